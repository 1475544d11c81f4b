//! Every kind of field value, read back from each backend of the crate: one
//! test per value type and backend (`json::duration`, `text::duration`, ...),
//! holding the table in the docs of `Value`.
#![cfg(feature = "std")]

mod support;

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use ctxtrace::{
    Ctx, JsonLogger, MemoryLogger, MemoryTracer, NopLogger, NopTracer, OwnedValue, Span,
    TextLogger, ToValue,
};
use support::{Capture, json_members, json_raw, logfmt};

/// The JSON text a `JsonLogger` writes for the field `v`.
fn json_of(value: impl ToValue) -> Option<String> {
    let capture = Capture::new();
    let ctx = Ctx::new(NopTracer, JsonLogger::new(capture.clone()).without_time());
    ctxtrace::info!(ctx, "m"; v = value);
    let line = capture.line();
    let members = json_members(&line);
    members
        .iter()
        .any(|(k, _)| k == "v")
        .then(|| json_raw(&members, "v").to_string())
}

/// The value a `TextLogger` writes for the field `v`, unescaped, or `None`
/// when it leaves the field out.
fn text_of(value: impl ToValue) -> Option<String> {
    let capture = Capture::new();
    let ctx = Ctx::new(NopTracer, TextLogger::new(capture.clone()).without_time());
    ctxtrace::info!(ctx, "m"; v = value);
    let fields = logfmt(&capture.line()).unwrap();
    fields.into_iter().find(|(k, _)| k == "v").map(|(_, v)| v)
}

/// What a `MemoryLogger` keeps for the field `v`, as an entry field and as
/// a `Ctx` field.
fn logged(value: impl ToValue) -> (Option<OwnedValue>, Option<OwnedValue>) {
    let logger = MemoryLogger::new();
    let ctx = Ctx::new(NopTracer, logger.clone());
    ctxtrace::info!(ctx, "m"; v = value);
    ctxtrace::info!(ctx.with_field("v", &value), "m");
    let entries = logger.entries();
    (
        entries[0].field("v").cloned(),
        entries[1].field("v").cloned(),
    )
}

/// What a `MemoryTracer` keeps for `v` as a span attribute and as a field of
/// an event.
fn recorded(value: impl ToValue) -> (Option<OwnedValue>, Option<OwnedValue>) {
    let tracer = MemoryTracer::new();
    let (ctx, mut span) = Ctx::new(tracer.clone(), NopLogger).start_span("s");
    let ctx = span.with_field(&ctx, "v", &value);
    ctxtrace::info!(ctx, "m"; v = value);
    drop(span);
    let spans = tracer.spans();
    let span = spans.find("s").unwrap();
    let event = span.events().next().unwrap();
    (
        span.attribute("v").map(OwnedValue::from),
        event.field("v").map(OwnedValue::from),
    )
}

fn s(text: &str) -> OwnedValue {
    OwnedValue::Str(text.to_string())
}

/// `name: value => JSON text, logfmt value, what the memory backends keep;`
/// makes one test per backend for each case. `None` for a line format means
/// that the field is left out.
macro_rules! cases {
    ($($(#[$attr:meta])* $name:ident: $value:expr => $json:expr, $text:expr, $kept:expr;)*) => {
        mod json {
            use super::*;
            $($(#[$attr])* #[test] fn $name() {
                let want: Option<&str> = $json;
                assert_eq!(json_of($value).as_deref(), want);
            })*
        }
        mod text {
            use super::*;
            $($(#[$attr])* #[test] fn $name() {
                let want: Option<&str> = $text;
                assert_eq!(text_of($value).as_deref(), want);
            })*
        }
        mod memory_logger {
            use super::*;
            $($(#[$attr])* #[test] fn $name() {
                let want: OwnedValue = $kept;
                assert_eq!(logged($value), (Some(want.clone()), Some(want)));
            })*
        }
        mod memory_tracer {
            use super::*;
            $($(#[$attr])* #[test] fn $name() {
                let want: OwnedValue = $kept;
                assert_eq!(recorded($value), (Some(want.clone()), Some(want)));
            })*
        }
    };
}

const BIG: &str = "340282366920938463463374607431768211455";
const SMALL: &str = "-170141183460469231731687303715884105728";

cases! {
    string: String::from("web 1") => Some(r#""web 1""#), Some("web 1"), s("web 1");
    boxed_str: Box::<str>::from("web-1") => Some(r#""web-1""#), Some("web-1"), s("web-1");
    arc_str: Arc::<str>::from("web-1") => Some(r#""web-1""#), Some("web-1"), s("web-1");
    rc_str: Rc::<str>::from("web-1") => Some(r#""web-1""#), Some("web-1"), s("web-1");
    cow_str: Cow::<str>::Owned("web-1".into()) => Some(r#""web-1""#), Some("web-1"), s("web-1");
    char: 'é' => Some(r#""é""#), Some("é"), s("é");
    char_quote: '"' => Some(r#""\"""#), Some("\""), s("\"");
    u128_beyond_64_bits: u128::MAX => Some(&format!("\"{BIG}\"")), Some(BIG), OwnedValue::U128(u128::MAX);
    u128_within_64_bits: 7u128 => Some("7"), Some("7"), OwnedValue::U128(7);
    i128_beyond_64_bits: i128::MIN => Some(&format!("\"{SMALL}\"")), Some(SMALL), OwnedValue::I128(i128::MIN);
    i128_within_64_bits: -7i128 => Some("-7"), Some("-7"), OwnedValue::I128(-7);
    duration: Duration::from_millis(1500) => Some("1.5"), Some("1.5s"), OwnedValue::Duration(Duration::from_millis(1500));
    duration_below_a_millisecond: Duration::from_micros(250) => Some("0.00025"), Some("250µs"), OwnedValue::Duration(Duration::from_micros(250));
    duration_zero: Duration::ZERO => Some("0"), Some("0ns"), OwnedValue::Duration(Duration::ZERO);
    option_some: Some("web-1") => Some(r#""web-1""#), Some("web-1"), s("web-1");
    option_some_number: Some(3u8) => Some("3"), Some("3"), OwnedValue::U64(3);
    option_none: None::<&str> => Some("null"), None, OwnedValue::Null;
    ip_addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7)) => Some(r#""10.0.0.7""#), Some("10.0.0.7"), s("10.0.0.7");
    ipv4_addr: Ipv4Addr::new(10, 0, 0, 7) => Some(r#""10.0.0.7""#), Some("10.0.0.7"), s("10.0.0.7");
    ipv6_addr: Ipv6Addr::LOCALHOST => Some(r#""::1""#), Some("::1"), s("::1");
    socket_addr: SocketAddr::from(([10, 0, 0, 7], 8080)) => Some(r#""10.0.0.7:8080""#), Some("10.0.0.7:8080"), s("10.0.0.7:8080");
    socket_addr_v4: SocketAddrV4::new(Ipv4Addr::LOCALHOST, 80) => Some(r#""127.0.0.1:80""#), Some("127.0.0.1:80"), s("127.0.0.1:80");
    socket_addr_v6: SocketAddrV6::new(Ipv6Addr::LOCALHOST, 80, 0, 0) => Some(r#""[::1]:80""#), Some("[::1]:80"), s("[::1]:80");
    path: Path::new("/var/lib/pods/web 1") => Some(r#""/var/lib/pods/web 1""#), Some("/var/lib/pods/web 1"), s("/var/lib/pods/web 1");
    path_buf: PathBuf::from("/var/log/pods") => Some(r#""/var/log/pods""#), Some("/var/log/pods"), s("/var/log/pods");
    #[cfg(unix)]
    path_not_utf8: non_utf8_path() => Some("\"/tmp/\u{fffd}x\""), Some("/tmp/\u{fffd}x"), s("/tmp/\u{fffd}x");
    debug: ctxtrace::debug(&Some("x")) => Some(r#""Some(\"x\")""#), Some(r#"Some("x")"#), s(r#"Some("x")"#);
    debug_of_a_string: ctxtrace::debug(&"a b") => Some(r#""\"a b\"""#), Some(r#""a b""#), s(r#""a b""#);
}

#[cfg(unix)]
fn non_utf8_path() -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(b"/tmp/\xffx")).to_path_buf()
}

/// `None` is left out of logfmt but still hides the `Ctx` field of its key,
/// and replaces it when set on the `Ctx`.
#[test]
fn none_takes_its_keys_place_in_every_writer() {
    let json = Capture::new();
    let text = Capture::new();
    let memory = MemoryLogger::new();
    let logger = (
        (
            JsonLogger::new(json.clone()).without_time(),
            TextLogger::new(text.clone()).without_time(),
        ),
        memory.clone(),
    );
    let ctx = Ctx::new(NopTracer, logger).with_field("pod", "web-1");
    ctxtrace::info!(ctx, "entry"; pod = None::<&str>);
    ctxtrace::info!(ctx.with_field("pod", None::<&str>), "ctx");
    assert_eq!(
        json.lines(),
        [
            r#"{"level":"info","target":"values","msg":"entry","pod":null}"#,
            r#"{"level":"info","target":"values","msg":"ctx","pod":null}"#
        ]
    );
    assert_eq!(text.lines(), ["level=info msg=entry", "level=info msg=ctx"]);
    for entry in memory.entries() {
        assert_eq!(entry.field("pod"), Some(&OwnedValue::Null));
        assert_eq!(entry.fields().len(), 1);
    }
}
