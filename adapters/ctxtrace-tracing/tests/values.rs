//! Every kind of field value, read back from a recording `tracing` layer:
//! one test per value type, through `TracingLogger` (as an entry field and
//! a `Ctx` field) and `TracingTracer` (as a span field and an event field),
//! holding the `tracing` column of the table in `ctxtrace::Value`'s docs.

mod common;

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::Recorder;
use ctxtrace::{Ctx, NopLogger, NopTracer, Span, ToValue};
use ctxtrace_tracing::{TracingLogger, TracingTracer};

/// The `fields` text of the events `TracingLogger` sent for `v` as an entry
/// field and as a `Ctx` field.
fn logged(value: impl ToValue) -> [Option<String>; 2] {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        ctxtrace::info!(ctx, "entry"; v = value);
        ctxtrace::info!(ctx.with_field("v", &value), "ctx");
    });
    let recorded = recorder.recorded();
    ["entry", "ctx"].map(|m| recorded.event(m).field("fields").map(str::to_owned))
}

/// The `fields` text of the span `TracingTracer` opened with `v` as a span
/// field, and of the event it sent with `v` as an entry field.
fn traced(value: impl ToValue) -> [Option<String>; 2] {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(TracingTracer::new(), NopLogger);
        let (ctx, mut span) = ctx.start_span("s");
        let ctx = span.with_field(&ctx, "v", &value);
        ctxtrace::info!(ctx, "m"; v = value);
    });
    let recorded = recorder.recorded();
    [
        recorded.span("s").field("fields").map(str::to_owned),
        recorded.event("m").field("fields").map(str::to_owned),
    ]
}

/// `name: value => the text after `v=` (None: the field is left out);`
/// makes a test through the logger and one through the tracer.
macro_rules! cases {
    ($($name:ident: $value:expr => $want:expr;)*) => {
        mod logger {
            use super::*;
            $(#[test] fn $name() {
                let want: Option<&str> = $want;
                let want = want.map(|v| format!("v={v}"));
                assert_eq!(logged($value), [want.clone(), want]);
            })*
        }
        mod tracer {
            use super::*;
            $(#[test] fn $name() {
                let want: Option<&str> = $want;
                let want = want.map(|v| format!("v={v}"));
                assert_eq!(traced($value), [want.clone(), want]);
            })*
        }
    };
}

const BIG: &str = "340282366920938463463374607431768211455";
const SMALL: &str = "-170141183460469231731687303715884105728";

cases! {
    string: String::from("web 1") => Some(r#""web 1""#);
    boxed_str: Box::<str>::from("web-1") => Some("web-1");
    arc_str: Arc::<str>::from("web-1") => Some("web-1");
    cow_str: Cow::<str>::Owned("web-1".into()) => Some("web-1");
    char: 'é' => Some("é");
    u128_beyond_64_bits: u128::MAX => Some(BIG);
    u128_within_64_bits: 7u128 => Some("7");
    i128_beyond_64_bits: i128::MIN => Some(SMALL);
    i128_within_64_bits: -7i128 => Some("-7");
    duration: Duration::from_millis(1500) => Some("1.5s");
    duration_below_a_millisecond: Duration::from_micros(250) => Some("250µs");
    option_some: Some("web-1") => Some("web-1");
    option_none: None::<&str> => None;
    ip_addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7)) => Some("10.0.0.7");
    ipv4_addr: Ipv4Addr::new(10, 0, 0, 7) => Some("10.0.0.7");
    ipv6_addr: Ipv6Addr::LOCALHOST => Some("::1");
    socket_addr: SocketAddr::from(([10, 0, 0, 7], 8080)) => Some("10.0.0.7:8080");
    path: Path::new("/var/lib/pods/web 1") => Some(r#""/var/lib/pods/web 1""#);
    path_buf: PathBuf::from("/var/log/pods") => Some("/var/log/pods");
    debug: ctxtrace::debug(&Some("x")) => Some(r#""Some(\"x\")""#);
    float: 1e-7 => Some("1e-7");
}

#[test]
fn sigils_give_display_and_debug_text() {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        let addr = Ipv4Addr::new(10, 0, 0, 7);
        ctxtrace::info!(ctx, "m"; addr = %addr, "k8s.image" = ?"nginx", gone = None::<u8>);
    });
    let recorded = recorder.recorded();
    assert_eq!(
        recorded.event("m").field("fields"),
        Some(r#"addr=10.0.0.7 k8s.image="\"nginx\"""#)
    );
}
