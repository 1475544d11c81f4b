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

use common::{EventRec, Recorder};
use ctxtrace::{Ctx, NopLogger, NopTracer, Span, ToValue};
use ctxtrace_tracing::{TracingLogger, TracingTracer};

/// How the field `v` was recorded, and its text.
fn typed(event: &EventRec) -> Option<(String, String)> {
    event
        .typed("v")
        .map(|(kind, text)| (kind.to_owned(), text.to_owned()))
}

/// How `TracingLogger` sent `v`, as an entry field and as a `Ctx` field.
fn logged(value: impl ToValue) -> [Option<(String, String)>; 2] {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(NopTracer, TracingLogger::new());
        ctxtrace::info!(ctx, "entry"; v = value);
        ctxtrace::info!(ctx.with_field("v", &value), "ctx");
    });
    let recorded = recorder.recorded();
    ["entry", "ctx"].map(|m| typed(recorded.event(m)))
}

/// The slot text of `v` as a field of the span `TracingTracer` opened, and
/// how it sent `v` as a field of an entry under it.
fn traced(value: impl ToValue) -> (Option<String>, Option<(String, String)>) {
    let recorder = Recorder::new();
    tracing::subscriber::with_default(recorder.subscriber(), || {
        let ctx = Ctx::new(TracingTracer::new(), NopLogger);
        let (ctx, mut span) = ctx.start_span("s");
        let ctx = span.with_field(&ctx, "v", &value);
        ctxtrace::info!(ctx, "m"; v = value);
    });
    let recorded = recorder.recorded();
    (
        recorded.span("s").field("fields.0").map(str::to_owned),
        typed(recorded.event("m")),
    )
}

/// `name: value => Some((kind as an entry field, kind as a Ctx field,
/// text)) or None (left out), the logfmt text after `v=` in a span slot;`
/// makes a test through the logger and one through the tracer.
macro_rules! cases {
    ($($name:ident: $value:expr => $typed:expr, $logfmt:expr;)*) => {
        mod logger {
            use super::*;
            $(#[test] fn $name() {
                let want: Option<(&str, &str, &str)> = $typed;
                let entry = want.map(|w| (w.0.to_owned(), w.2.to_owned()));
                let ctx = want.map(|w| (w.1.to_owned(), w.2.to_owned()));
                assert_eq!(logged($value), [entry, ctx]);
            })*
        }
        mod tracer {
            use super::*;
            $(#[test] fn $name() {
                let want: Option<(&str, &str, &str)> = $typed;
                let logfmt: Option<&str> = $logfmt;
                assert_eq!(
                    traced($value),
                    (
                        logfmt.map(|v| format!("v={v}")),
                        want.map(|w| (w.0.to_owned(), w.2.to_owned())),
                    )
                );
            })*
        }
    };
}

const BIG: &str = "340282366920938463463374607431768211455";
const SMALL: &str = "-170141183460469231731687303715884105728";

cases! {
    string: String::from("web 1") => Some(("str", "str", "web 1")), Some(r#""web 1""#);
    boxed_str: Box::<str>::from("web-1") => Some(("str", "str", "web-1")), Some("web-1");
    arc_str: Arc::<str>::from("web-1") => Some(("str", "str", "web-1")), Some("web-1");
    cow_str: Cow::<str>::Owned("web-1".into()) => Some(("str", "str", "web-1")), Some("web-1");
    char: 'é' => Some(("debug", "str", "é")), Some("é");
    u128_beyond_64_bits: u128::MAX => Some(("u128", "u128", BIG)), Some(BIG);
    u128_within_64_bits: 7u128 => Some(("u128", "u128", "7")), Some("7");
    i128_beyond_64_bits: i128::MIN => Some(("i128", "i128", SMALL)), Some(SMALL);
    i128_within_64_bits: -7i128 => Some(("i128", "i128", "-7")), Some("-7");
    signed: -3i16 => Some(("i64", "i64", "-3")), Some("-3");
    unsigned: 3usize => Some(("u64", "u64", "3")), Some("3");
    boolean: true => Some(("bool", "bool", "true")), Some("true");
    duration: Duration::from_millis(1500) => Some(("debug", "debug", "1.5s")), Some("1.5s");
    duration_below_a_millisecond: Duration::from_micros(250) =>
        Some(("debug", "debug", "250µs")), Some("250µs");
    option_some: Some("web-1") => Some(("str", "str", "web-1")), Some("web-1");
    option_none: None::<&str> => None, None;
    ip_addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7)) => Some(("debug", "str", "10.0.0.7")), Some("10.0.0.7");
    ipv4_addr: Ipv4Addr::new(10, 0, 0, 7) => Some(("debug", "str", "10.0.0.7")), Some("10.0.0.7");
    ipv6_addr: Ipv6Addr::LOCALHOST => Some(("debug", "str", "::1")), Some("::1");
    socket_addr: SocketAddr::from(([10, 0, 0, 7], 8080)) =>
        Some(("debug", "str", "10.0.0.7:8080")), Some("10.0.0.7:8080");
    path: Path::new("/var/lib/pods/web 1") =>
        Some(("debug", "str", "/var/lib/pods/web 1")), Some(r#""/var/lib/pods/web 1""#);
    path_buf: PathBuf::from("/var/log/pods") => Some(("debug", "str", "/var/log/pods")), Some("/var/log/pods");
    debug: ctxtrace::debug(&Some("x")) => Some(("debug", "str", r#"Some("x")"#)), Some(r#""Some(\"x\")""#);
    error: std::io::Error::other("disk full") => Some(("error", "str", "disk full")), Some(r#""disk full""#);
    float: 1e-7 => Some(("f64", "f64", "0.0000001")), Some("1e-7");
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
    let event = recorded.event("m");
    assert_eq!(event.names, ["message", "addr", "k8s.image"]);
    assert_eq!(event.typed("addr"), Some(("debug", "10.0.0.7")));
    assert_eq!(event.typed("k8s.image"), Some(("debug", r#""nginx""#)));
}
