//! Every kind of field value, read back from a capturing `log` logger: one
//! test per value type, as an entry field and as a `Ctx` field, holding the
//! `log` column of the table in `ctxtrace::Value`'s docs.

mod common;

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::{Kv, install, records};
use ctxtrace::{Ctx, NopTracer, ToValue};
use ctxtrace_log::LogLogger;

/// The key-value `v` of the records logged with `target`, from an entry
/// field and from a `Ctx` field.
fn logged(target: &'static str, value: impl ToValue) -> [Option<Kv>; 2] {
    install();
    let ctx = Ctx::new(NopTracer, LogLogger::new().with_target(target));
    ctxtrace::info!(ctx, "entry"; v = value);
    ctxtrace::info!(ctx.with_field("v", &value), "ctx");
    let records = records(target);
    assert_eq!(records.len(), 2);
    [0, 1].map(|i| records[i].kv("v").cloned())
}

fn text(s: &str) -> Kv {
    Kv::Text(s.to_owned())
}

fn str(s: &str) -> Kv {
    Kv::Str(s.to_owned())
}

/// `name: value => the key-value captured from an entry field, from a `Ctx`
/// field;`, each test with a target of its own. A `Ctx` keeps a copy of its
/// fields, so a `Display` or `Debug` value is its text by then.
macro_rules! cases {
    ($($name:ident: $value:expr => $entry:expr, $ctx:expr;)*) => {$(
        #[test]
        fn $name() {
            let want: [Kv; 2] = [$entry, $ctx];
            let target = concat!("values::", stringify!($name));
            assert_eq!(logged(target, $value), want.map(Some));
        }
    )*};
}

cases! {
    string: String::from("web 1") => str("web 1"), str("web 1");
    boxed_str: Box::<str>::from("web-1") => str("web-1"), str("web-1");
    arc_str: Arc::<str>::from("web-1") => str("web-1"), str("web-1");
    cow_str: Cow::<str>::Owned("web-1".into()) => str("web-1"), str("web-1");
    char: 'é' => text("é"), str("é");
    u128_beyond_64_bits: u128::MAX => Kv::U128(u128::MAX), Kv::U128(u128::MAX);
    u128_within_64_bits: 7u128 => Kv::U128(7), Kv::U128(7);
    i128_beyond_64_bits: i128::MIN => Kv::I128(i128::MIN), Kv::I128(i128::MIN);
    i128_within_64_bits: -7i128 => Kv::I128(-7), Kv::I128(-7);
    duration: Duration::from_millis(1500) => text("1.5s"), text("1.5s");
    option_some: Some("web-1") => str("web-1"), str("web-1");
    option_some_number: Some(3u8) => Kv::U64(3), Kv::U64(3);
    option_none: None::<&str> => Kv::Null, Kv::Null;
    ip_addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7)) => text("10.0.0.7"), str("10.0.0.7");
    ipv4_addr: Ipv4Addr::new(10, 0, 0, 7) => text("10.0.0.7"), str("10.0.0.7");
    ipv6_addr: Ipv6Addr::LOCALHOST => text("::1"), str("::1");
    socket_addr: SocketAddr::from(([10, 0, 0, 7], 8080)) => text("10.0.0.7:8080"), str("10.0.0.7:8080");
    path: Path::new("/var/lib/pods/web 1") => text("/var/lib/pods/web 1"), str("/var/lib/pods/web 1");
    path_buf: PathBuf::from("/var/log/pods") => text("/var/log/pods"), str("/var/log/pods");
    debug: ctxtrace::debug(&Some("x")) => text(r#"Some("x")"#), str(r#"Some("x")"#);
}

#[test]
fn sigils_give_display_and_debug_values() {
    install();
    let target = "values::sigils";
    let ctx = Ctx::new(NopTracer, LogLogger::new().with_target(target));
    let addr = Ipv4Addr::new(10, 0, 0, 7);
    ctxtrace::info!(ctx, "m"; addr = %addr, "k8s.image" = ?"nginx");
    let records = records(target);
    assert_eq!(records[0].kv("addr"), Some(&text("10.0.0.7")));
    assert_eq!(records[0].kv("k8s.image"), Some(&text("\"nginx\"")));
}
