//! `LogBridge`: `log` records as entries on a ctxtrace logger.
//!
//! `log`'s logger is global to the process, so this test binary installs one
//! bridge, once, over a logger that hands each entry to the ctxtrace logger
//! its test registered for the entry's target. Tests of the bridge's own
//! state (its keys, its level) build a bridge of their own and call it
//! without installing it.

mod common;

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, OnceLock};

use common::Counted;
use ctxtrace::{
    JsonLogger, Level, LevelFilter, Logger, MemoryLogger, OwnedValue, Record, SendLogger, Value,
};
use ctxtrace_log::{DEFAULT_KEY_LIMIT, LogBridge, MAX_KEY_LEN, OVERFLOW_KEY};
use log::Log as _;

type Route = Arc<dyn Fn(&Record<'_>) + Send + Sync>;

/// A ctxtrace logger that sends each entry to the route of its target.
#[derive(Clone, Default)]
struct Router(Arc<Mutex<HashMap<&'static str, Route>>>);

impl Logger for Router {
    const MAX_LEVEL: LevelFilter = LevelFilter::Trace;

    fn enabled(&self, _: Level) -> bool {
        true
    }

    fn with_field(&self, _: &'static str, _: Value<'_>) -> Self {
        self.clone()
    }

    fn log(&self, record: &Record<'_>) {
        let route = self.0.lock().unwrap().get(record.target()).cloned();
        if let Some(route) = route {
            route(record);
        }
    }
}

/// Sends the `log` records with `target` to `logger`, installing the one
/// bridge of this test binary on first use.
fn route<L: SendLogger>(target: &'static str, logger: L) {
    route_to(
        target,
        Arc::new(move |record| {
            if L::MAX_LEVEL.allows(record.level()) && logger.enabled(record.level()) {
                logger.log(record);
            }
        }),
    );
}

/// Sends the `log` records with `target` to `route`, as [`route`] does.
fn route_to(target: &'static str, route: Route) {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    let router = ROUTER.get_or_init(|| {
        let router = Router::default();
        LogBridge::new(router.clone()).install().unwrap();
        router
    });
    router.0.lock().unwrap().insert(target, route);
}

/// A writer whose bytes a test reads back while a logger still holds it.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Shared {
    fn lines(&self) -> Vec<serde_json::Value> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A record with `kvs` and the message `x`, for calling a bridge directly.
fn log_kvs(bridge: &impl log::Log, kvs: &dyn log::kv::Source) {
    bridge.log(
        &log::Record::builder()
            .level(log::Level::Info)
            .args(format_args!("x"))
            .key_values(&kvs)
            .build(),
    );
}

#[test]
fn a_dependency_warning_is_one_json_line_with_its_target_and_number() {
    let memory = MemoryLogger::new();
    let out = Shared::default();
    route(
        "dep",
        (memory.clone(), JsonLogger::new(out.clone()).without_time()),
    );

    log::warn!(target: "dep", k = 1; "x");

    let entries = memory.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].target(), "dep");
    assert_eq!(entries[0].level(), Level::Warn);
    let lines = out.lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["level"], "warn");
    assert_eq!(lines[0]["target"], "dep");
    assert_eq!(lines[0]["msg"], "x");
    assert!(lines[0]["k"].is_number(), "{}", lines[0]);
    assert_eq!(lines[0]["k"], 1);
}

struct Addr;

impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("10.0.0.1:443")
    }
}

#[test]
fn key_values_keep_the_types_log_gives_them() {
    let memory = MemoryLogger::new();
    let out = Shared::default();
    route(
        "typed",
        (memory.clone(), JsonLogger::new(out.clone()).without_time()),
    );

    let name = String::from("web-1");
    let big = u128::MAX;
    let line = line!() + 1;
    log::info!(
        target: "typed",
        neg = -3i64, count = 7u64, ratio = 0.5, ok = true, pod = name.as_str(),
        big = big, none = Option::<u8>::None, addr:% = Addr, tag:? = 'q', letter = 'c';
        "synced {}", name
    );

    let entries = memory.entries();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry.message(), "synced web-1");
    assert_eq!(entry.location(), (file!(), line));
    let typed: Vec<(&str, &OwnedValue)> = entry.fields().collect();
    assert_eq!(
        typed,
        [
            ("neg", &OwnedValue::I64(-3)),
            ("count", &OwnedValue::U64(7)),
            ("ratio", &OwnedValue::F64(0.5)),
            ("ok", &OwnedValue::Bool(true)),
            ("pod", &OwnedValue::Str("web-1".into())),
            ("big", &OwnedValue::U128(u128::MAX)),
            ("none", &OwnedValue::Null),
            ("addr", &OwnedValue::Str("10.0.0.1:443".into())),
            ("tag", &OwnedValue::Str("'q'".into())),
            ("letter", &OwnedValue::Str("c".into())),
        ]
    );
    // Strictly typed: `OwnedValue`'s equality does not tell an i64 from a u64.
    assert!(matches!(entry.field("neg"), Some(OwnedValue::I64(-3))));
    assert!(matches!(entry.field("count"), Some(OwnedValue::U64(7))));

    let json = &out.lines()[0];
    assert_eq!(json["neg"], -3);
    assert_eq!(json["count"], 7);
    assert_eq!(json["ratio"], 0.5);
    assert_eq!(json["ok"], true);
    assert_eq!(json["pod"], "web-1");
    assert!(json["none"].is_null());
    assert_eq!(json["addr"], "10.0.0.1:443");
    assert_eq!(json["letter"], "c");
}

#[test]
fn a_record_without_key_values_or_location_still_arrives() {
    let memory = MemoryLogger::new();
    let bridge = LogBridge::new(memory.clone());
    bridge.log(
        &log::Record::builder()
            .level(log::Level::Error)
            .target("bare")
            .args(format_args!("no {}", "fields"))
            .build(),
    );
    let entry = &memory.entries()[0];
    assert_eq!(
        (entry.level(), entry.message()),
        (Level::Error, "no fields")
    );
    assert_eq!(entry.target(), "bare");
    assert_eq!(entry.location(), ("", 0));
    assert_eq!(entry.fields().len(), 0);
}

#[test]
fn more_key_values_than_fit_on_the_stack_all_arrive_in_order() {
    let memory = MemoryLogger::new();
    let bridge = LogBridge::new(memory.clone());
    let keys: Vec<String> = (0..40).map(|n| format!("k{n}")).collect();
    let kvs: Vec<(&str, u64)> = keys.iter().map(String::as_str).zip(0..).collect();
    log_kvs(&bridge, &kvs.as_slice());
    let entry = &memory.entries()[0];
    let seen: Vec<(String, u64)> = entry
        .fields()
        .map(|(k, v)| match v {
            OwnedValue::U64(n) => (k.to_owned(), *n),
            other => panic!("{k}: {other:?}"),
        })
        .collect();
    let expected: Vec<(String, u64)> = kvs.iter().map(|&(k, n)| (k.to_owned(), n)).collect();
    assert_eq!(seen, expected);
}

#[test]
fn a_logger_at_warn_drops_info_without_formatting_it() {
    // Through `log`'s macros and the installed bridge.
    let memory = MemoryLogger::new().with_level(LevelFilter::Warn);
    route("filtered", memory.clone());
    let counted = Counted::default();
    log::info!(target: "filtered", n:% = counted.clone(); "hidden {}", counted.clone());
    log::warn!(target: "filtered", "shown");
    assert_eq!(counted.count(), 0);
    let messages: Vec<String> = memory
        .entries()
        .iter()
        .map(|e| e.message().to_owned())
        .collect();
    assert_eq!(messages, ["shown"]);

    // The bridge's own check, on a bridge of its own.
    let memory = MemoryLogger::new().with_level(LevelFilter::Warn);
    let bridge = LogBridge::new(memory.clone());
    let info = log::Metadata::builder().level(log::Level::Info).build();
    let warn = log::Metadata::builder().level(log::Level::Warn).build();
    assert!(!bridge.enabled(&info));
    assert!(bridge.enabled(&warn));
    assert_eq!(bridge.max_level(), log::LevelFilter::Warn);
    let kvs = [("n", log::kv::Value::from_display(&counted))];
    bridge.log(
        &log::Record::builder()
            .level(log::Level::Info)
            .args(format_args!("hidden {}", counted))
            .key_values(&kvs)
            .build(),
    );
    assert_eq!(counted.count(), 0);
    assert!(memory.is_empty());
}

#[test]
fn a_logger_that_rules_a_level_out_at_compile_time_is_asked_no_further() {
    let bridge = LogBridge::new(ctxtrace::NopLogger);
    assert_eq!(bridge.max_level(), log::LevelFilter::Off);
    let error = log::Metadata::builder().level(log::Level::Error).build();
    assert!(!bridge.enabled(&error));
}

#[test]
fn a_key_is_kept_once_whatever_the_number_of_lines() {
    let memory = MemoryLogger::with_capacity(4);
    let bridge = LogBridge::new(memory.clone());
    for n in 0..10_000u64 {
        // A fresh `String` each time: the bridge cannot reuse the caller's.
        let key = String::from("attempt");
        log_kvs(&bridge, &[(key.as_str(), n)]);
    }
    assert_eq!(bridge.interned_keys(), 1);
    assert_eq!(bridge.overflowed(), 0);
    let entries = memory.entries();
    let (first, last) = (entries[0].fields().next(), entries[3].fields().next());
    let (first, last) = (first.unwrap().0, last.unwrap().0);
    assert!(std::ptr::eq(first, last), "one copy of the key");
}

#[test]
fn distinct_keys_past_the_bound_share_one_field() {
    let memory = MemoryLogger::with_capacity(1);
    let bridge = LogBridge::new(memory.clone());
    for n in 0..100_000u64 {
        let key = format!("pod-{n}");
        log_kvs(&bridge, &[(key.as_str(), n)]);
    }
    assert_eq!(bridge.interned_keys(), DEFAULT_KEY_LIMIT);
    assert_eq!(bridge.overflowed(), 100_000 - DEFAULT_KEY_LIMIT as u64);
    let entry = &memory.entries()[0];
    assert_eq!(entry.fields().len(), 1);
    assert_eq!(
        entry.field(OVERFLOW_KEY),
        Some(&OwnedValue::Str("pod-99999=99999".into()))
    );

    // Keys kept before the bound was reached are still written as fields.
    log_kvs(&bridge, &[("pod-0", 1)]);
    assert_eq!(
        memory.entries()[0].field("pod-0"),
        Some(&OwnedValue::U64(1))
    );
    assert_eq!(bridge.interned_keys(), DEFAULT_KEY_LIMIT);
}

#[test]
fn the_overflow_field_keeps_every_pair_past_the_bound() {
    let memory = MemoryLogger::new();
    let bridge = LogBridge::new(memory.clone()).with_key_limit(1);
    let long = "x".repeat(MAX_KEY_LEN + 1);
    let kvs: [(&str, log::kv::Value<'_>); 4] = [
        ("pod", "web-1".into()),
        ("node", "n 1".into()),
        (long.as_str(), 2.into()),
        ("ready", false.into()),
    ];
    log_kvs(&bridge, &kvs.as_slice());
    let entry = &memory.entries()[0];
    let keys: Vec<&str> = entry.fields().map(|(k, _)| k).collect();
    assert_eq!(keys, ["pod", OVERFLOW_KEY]);
    assert_eq!(
        entry.field(OVERFLOW_KEY).unwrap().to_string(),
        format!("node=\"n 1\" {long}=2 ready=false")
    );
    assert_eq!((bridge.interned_keys(), bridge.overflowed()), (1, 3));
}

#[test]
fn a_bridge_with_no_room_for_keys_writes_them_all_as_text() {
    let memory = MemoryLogger::new();
    let bridge = LogBridge::new(memory.clone()).with_key_limit(0);
    log_kvs(&bridge, &[("a", 1)]);
    let entry = &memory.entries()[0];
    assert_eq!(
        entry.field(OVERFLOW_KEY),
        Some(&OwnedValue::Str("a=1".into()))
    );
    assert_eq!(bridge.interned_keys(), 0);
}

#[test]
fn keys_are_bounded_under_threads() {
    let bridge = Arc::new(LogBridge::new(MemoryLogger::with_capacity(1)).with_key_limit(100));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let bridge = Arc::clone(&bridge);
            std::thread::spawn(move || {
                for n in 0..1_000 {
                    let key = format!("k{}", (n * 7 + t) % 300);
                    log_kvs(&*bridge, &[(key.as_str(), n)]);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(bridge.interned_keys(), 100);
    assert_eq!(bridge.logger().logged(), 4_000);
}

#[test]
fn flush_does_nothing_and_debug_shows_the_bound() {
    let bridge = LogBridge::new(MemoryLogger::new()).with_key_limit(8);
    bridge.flush();
    let debug = format!("{bridge:?}");
    assert!(debug.contains("key_limit: 8"), "{debug}");
    assert!(debug.contains("interned_keys: 0"), "{debug}");
}

/// A record's target, and its static target if it has one.
type Targets = (String, Option<&'static str>);

/// A route that keeps each record's [`Targets`] in `seen`.
fn keep_targets(seen: &Arc<Mutex<Vec<Targets>>>) -> Route {
    let seen = Arc::clone(seen);
    Arc::new(move |record| {
        let targets = (record.target().to_owned(), record.target_static());
        seen.lock().unwrap().push(targets);
    })
}

/// A record of `log`'s macros, whose target is the module path they give
/// for the program's life, arrives with a static target; one whose target
/// was named, or whose module path or file is borrowed, arrives with the
/// target borrowed, to be copied.
#[test]
fn a_macro_record_arrives_with_a_static_target_and_others_borrow_theirs() {
    let seen = Arc::default();
    let router = Router::default();
    for target in ["dep::sync", "named"] {
        router.0.lock().unwrap().insert(target, keep_targets(&seen));
    }
    let bridge = LogBridge::new(router);
    let borrowed = String::from("dep::sync");
    let records = [
        // As `log::info!` builds it.
        log::Record::builder()
            .target("dep::sync")
            .module_path_static(Some("dep::sync"))
            .file_static(Some("dep/src/sync.rs"))
            .args(format_args!("macro"))
            .build(),
        // `log::info!(target: "named", ...)`.
        log::Record::builder()
            .target("named")
            .module_path_static(Some("dep::sync"))
            .file_static(Some("dep/src/sync.rs"))
            .args(format_args!("named"))
            .build(),
        // Built by hand with borrowed parts.
        log::Record::builder()
            .target(&borrowed)
            .module_path(Some(&borrowed))
            .file(Some("dep/src/sync.rs"))
            .args(format_args!("borrowed"))
            .build(),
    ];
    for record in &records {
        bridge.log(record);
    }
    // And what the macro really builds, through the installed bridge.
    route_to(module_path!(), keep_targets(&seen));
    log::info!("through the macro");
    let got = seen.lock().unwrap().clone();
    assert_eq!(
        got,
        [
            ("dep::sync".to_owned(), Some("dep::sync")),
            ("named".to_owned(), None),
            ("dep::sync".to_owned(), None),
            (module_path!().to_owned(), Some(module_path!())),
        ]
    );
}
