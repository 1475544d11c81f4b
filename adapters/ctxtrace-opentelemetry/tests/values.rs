//! Every kind of field value, read back from the SDK's in-memory exporter:
//! one test per value type, as a span attribute and as an event attribute,
//! holding the OpenTelemetry column of the table in `ctxtrace::Value`'s docs.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ctxtrace::{Ctx, NopLogger, Span, ToValue};
use ctxtrace_opentelemetry::OtelTracer;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};

/// The attribute `v` of the span and of its event, when they have one.
fn exported(value: impl ToValue) -> (Option<Value>, Option<Value>) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let ctx = Ctx::new(OtelTracer::new(provider.tracer("values")), NopLogger);
    let (ctx, mut span) = ctx.start_span("s");
    let ctx = span.with_field(&ctx, "v", &value);
    ctxtrace::info!(ctx, "m"; v = value);
    drop(span);
    let spans = exporter.get_finished_spans().unwrap();
    let get = |attributes: &[KeyValue]| {
        attributes
            .iter()
            .find(|kv| kv.key.as_str() == "v")
            .map(|kv| kv.value.clone())
    };
    (
        get(&spans[0].attributes),
        get(&spans[0].events[0].attributes),
    )
}

fn text(s: &str) -> Option<Value> {
    Some(Value::String(s.to_owned().into()))
}

/// `name: value => the OpenTelemetry value (None: no attribute);`
macro_rules! cases {
    ($($name:ident: $value:expr => $want:expr;)*) => {$(
        #[test]
        fn $name() {
            let want: Option<Value> = $want;
            assert_eq!(exported($value), (want.clone(), want));
        }
    )*};
}

cases! {
    string: String::from("web 1") => text("web 1");
    boxed_str: Box::<str>::from("web-1") => text("web-1");
    arc_str: Arc::<str>::from("web-1") => text("web-1");
    cow_str: Cow::<str>::Owned("web-1".into()) => text("web-1");
    char: 'é' => text("é");
    u128_beyond_64_bits: u128::MAX => text(&u128::MAX.to_string());
    u128_within_64_bits: 7u128 => Some(Value::I64(7));
    i128_beyond_64_bits: i128::MIN => text(&i128::MIN.to_string());
    i128_within_64_bits: -7i128 => Some(Value::I64(-7));
    duration: Duration::from_millis(1500) => Some(Value::F64(1.5));
    option_some: Some("web-1") => text("web-1");
    option_some_number: Some(3u8) => Some(Value::I64(3));
    option_none: None::<&str> => None;
    ip_addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7)) => text("10.0.0.7");
    ipv4_addr: Ipv4Addr::new(10, 0, 0, 7) => text("10.0.0.7");
    ipv6_addr: Ipv6Addr::LOCALHOST => text("::1");
    socket_addr: SocketAddr::from(([10, 0, 0, 7], 8080)) => text("10.0.0.7:8080");
    path: Path::new("/var/lib/pods/web 1") => text("/var/lib/pods/web 1");
    path_buf: PathBuf::from("/var/log/pods") => text("/var/log/pods");
    debug: ctxtrace::debug(&Some("x")) => text(r#"Some("x")"#);
}

#[test]
fn sigils_give_display_and_debug_text() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let ctx = Ctx::new(OtelTracer::new(provider.tracer("values")), NopLogger);
    let (ctx, span) = ctx.start_span("s");
    let addr = Ipv4Addr::new(10, 0, 0, 7);
    ctxtrace::info!(ctx, "m"; addr = %addr, "k8s.image" = ?"nginx");
    drop(span);
    let spans = exporter.get_finished_spans().unwrap();
    let attributes = &spans[0].events[0].attributes;
    assert_eq!(
        attributes[1..],
        [
            KeyValue::new("addr", "10.0.0.7"),
            KeyValue::new("k8s.image", "\"nginx\"")
        ]
    );
}
