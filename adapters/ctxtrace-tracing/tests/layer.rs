//! `CtxtraceLayer`: what a ctxtrace logger receives from `tracing` events.

mod common;

use std::fmt;
use std::io;
use std::sync::{Arc, Mutex};

use common::Recorder;
use ctxtrace::{JsonLogger, Level, LevelFilter, Logger as _, MemoryLogger, OwnedValue};
use ctxtrace_tracing::{CtxtraceLayer, TracingLogger};
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::{self, Targets};
use tracing_subscriber::layer::SubscriberExt as _;

/// Runs `f` with a subscriber made of the registry and a layer writing to
/// `logger`.
fn with_layer(logger: &MemoryLogger, f: impl FnOnce()) {
    let subscriber = tracing_subscriber::registry().with(CtxtraceLayer::new(logger.clone()));
    tracing::subscriber::with_default(subscriber, f);
}

/// Each field of `entry` as `key=value`, in order.
fn fields(entry: &ctxtrace::Entry) -> Vec<String> {
    entry.fields().map(|(k, v)| format!("{k}={v}")).collect()
}

/// A fake dependency, for filters by target.
mod dep {
    pub fn work() {
        tracing::debug!("dep debug");
        tracing::warn!("dep warn");
    }
}

#[test]
fn an_event_arrives_with_typed_fields_level_target_message_and_location() {
    let logger = MemoryLogger::new();
    let mut line = 0;
    with_layer(&logger, || {
        tracing::info!(answer = 42, ok = true, name = "x", "hello {}", 1);
        line = line!() - 1;
    });
    let entries = logger.entries();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry.level(), Level::Info);
    assert_eq!(entry.message(), "hello 1");
    assert_eq!(entry.target(), module_path!());
    assert_eq!(entry.location(), (file!(), line));
    // `tracing` records an `i32` literal with `record_i64`.
    assert!(matches!(entry.field("answer"), Some(OwnedValue::I64(42))));
    assert!(matches!(entry.field("ok"), Some(OwnedValue::Bool(true))));
    assert!(matches!(entry.field("name"), Some(OwnedValue::Str(s)) if s == "x"));
    assert_eq!(fields(entry), ["answer=42", "ok=true", "name=x"]);
    assert_eq!(entry.field("message"), None);
    assert_eq!((entry.method(), entry.span_ids()), (None, None));
}

/// A writer whose bytes a test reads while the logger may still live: the
/// subscriber can outlive `with_default` for a moment, when a new call site
/// in another test makes `tracing` visit every live dispatcher.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn an_event_through_json_logger_keeps_numbers_numbers() {
    let out = SharedBuf::default();
    let logger = JsonLogger::new(out.clone()).without_time();
    let subscriber = tracing_subscriber::registry().with(CtxtraceLayer::new(logger));
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(answer = 42, ok = true, name = "x", "hello {}", 1);
    });
    let out = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1);
    let line: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(line["level"], "info");
    assert_eq!(line["target"], module_path!());
    assert_eq!(line["msg"], "hello 1");
    assert!(line["answer"].is_u64() || line["answer"].is_i64());
    assert_eq!(line["answer"], 42);
    assert_eq!(line["ok"], true);
    assert_eq!(line["name"], "x");
}

#[test]
fn each_level_maps_to_the_ctxtrace_level() {
    let logger = MemoryLogger::new();
    with_layer(&logger, || {
        tracing::error!("e");
        tracing::warn!("w");
        tracing::info!("i");
        tracing::debug!("d");
        tracing::trace!("t");
    });
    let seen: Vec<(Level, String)> = logger
        .entries()
        .iter()
        .map(|e| (e.level(), e.message().to_string()))
        .collect();
    let expected = [
        (Level::Error, "e"),
        (Level::Warn, "w"),
        (Level::Info, "i"),
        (Level::Debug, "d"),
        (Level::Trace, "t"),
    ]
    .map(|(l, m)| (l, m.to_string()));
    assert_eq!(seen, expected);
}

#[test]
fn a_given_target_and_a_missing_message_are_kept_as_given() {
    let logger = MemoryLogger::new();
    with_layer(&logger, || {
        tracing::warn!(target: "kube::runtime", pods = 3);
        tracing::info!(message = "set as a field", n = 1);
    });
    let entries = logger.entries();
    assert_eq!(entries[0].target(), "kube::runtime");
    assert_eq!(entries[0].message(), "");
    assert_eq!(fields(&entries[0]), ["pods=3"]);
    assert_eq!(entries[1].message(), "set as a field");
    assert_eq!(fields(&entries[1]), ["n=1"]);
}

#[test]
fn an_event_carries_the_fields_of_its_spans_outer_first() {
    let logger = MemoryLogger::new();
    with_layer(&logger, || {
        let outer = tracing::info_span!("outer", pod = "web-1", node = "n1");
        let _outer = outer.enter();
        let inner = tracing::info_span!("inner", attempt = 2);
        let _inner = inner.enter();
        tracing::info!(image = "nginx", "pulling");
    });
    let entry = &logger.entries()[0];
    assert_eq!(
        fields(entry),
        ["pod=web-1", "node=n1", "attempt=2", "image=nginx"]
    );
    assert!(matches!(entry.field("attempt"), Some(OwnedValue::I64(2))));
}

#[test]
fn a_field_recorded_later_replaces_the_span_value() {
    let logger = MemoryLogger::new();
    with_layer(&logger, || {
        let span = tracing::info_span!(
            "sync",
            pod = "web-1",
            phase = tracing::field::Empty,
            attempt = 1
        );
        let _entered = span.enter();
        tracing::info!("before");
        span.record("attempt", 2);
        span.record("phase", "pull");
        span.record("attempt", 3);
        tracing::info!("after");
    });
    let entries = logger.entries();
    assert_eq!(fields(&entries[0]), ["pod=web-1", "attempt=1"]);
    assert_eq!(
        fields(&entries[1]),
        ["pod=web-1", "attempt=3", "phase=pull"]
    );
}

#[test]
fn event_and_inner_span_fields_override_outer_ones_and_no_key_repeats() {
    let logger = MemoryLogger::new();
    with_layer(&logger, || {
        let outer = tracing::info_span!("outer", pod = "web-1", attempt = 1);
        let _outer = outer.enter();
        let inner = tracing::info_span!("inner", attempt = 2, node = "n1");
        let _inner = inner.enter();
        tracing::info!(pod = "web-2", "moved");
    });
    let entry = &logger.entries()[0];
    assert_eq!(fields(entry), ["attempt=2", "node=n1", "pod=web-2"]);
}

#[test]
fn only_the_spans_an_event_is_in_give_it_fields() {
    let logger = MemoryLogger::new();
    with_layer(&logger, || {
        let span = tracing::info_span!("sync", pod = "web-1");
        span.in_scope(|| tracing::info!("inside"));
        tracing::info!("outside");
        tracing::info!(parent: &span, "explicit parent");
        tracing::info!(parent: None, "explicit root");
    });
    let entries = logger.entries();
    let seen: Vec<(&str, Vec<String>)> = entries.iter().map(|e| (e.message(), fields(e))).collect();
    let pod = || vec!["pod=web-1".to_string()];
    assert_eq!(
        seen,
        [
            ("inside", pod()),
            ("outside", vec![]),
            ("explicit parent", pod()),
            ("explicit root", vec![]),
        ]
    );
}

#[test]
fn a_level_filter_layer_stops_events_before_the_logger() {
    let logger = MemoryLogger::new();
    let subscriber = tracing_subscriber::registry()
        .with(filter::LevelFilter::INFO)
        .with(CtxtraceLayer::new(logger.clone()));
    tracing::subscriber::with_default(subscriber, || {
        tracing::debug!("filtered out");
        tracing::info!("kept");
    });
    let entries = logger.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].message(), "kept");
}

#[test]
fn a_targets_filter_selects_modules() {
    // As `RUST_LOG=warn,layer::dep=debug` would.
    let logger = MemoryLogger::new();
    let targets = Targets::new()
        .with_default(filter::LevelFilter::WARN)
        .with_target(concat!(module_path!(), "::dep"), filter::LevelFilter::DEBUG);
    let subscriber = tracing_subscriber::registry()
        .with(CtxtraceLayer::new(logger.clone()).with_filter(targets));
    tracing::subscriber::with_default(subscriber, || {
        tracing::debug!("own debug");
        tracing::warn!("own warn");
        dep::work();
    });
    let seen: Vec<(String, String)> = logger
        .entries()
        .iter()
        .map(|e| (e.target().to_string(), e.message().to_string()))
        .collect();
    let own = module_path!().to_string();
    let dep = format!("{own}::dep");
    assert_eq!(
        seen,
        [
            (own, "own warn".to_string()),
            (dep.clone(), "dep debug".to_string()),
            (dep, "dep warn".to_string()),
        ]
    );
}

#[test]
fn the_logger_level_drops_what_it_does_not_want() {
    let logger = MemoryLogger::new().with_level(LevelFilter::Warn);
    assert!(!logger.enabled(Level::Info));
    with_layer(&logger, || {
        tracing::info!(n = 1, "dropped");
        tracing::warn!("kept");
    });
    let entries = logger.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].message(), "kept");
    assert_eq!(logger.logged(), 1);
}

#[test]
fn debug_display_and_error_values_become_strings_and_numbers_keep_their_type() {
    #[derive(Debug)]
    #[allow(dead_code)] // read by `Debug` only
    struct Phase {
        name: &'static str,
    }
    struct Pod(&'static str);
    impl fmt::Display for Pod {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "pod/{}", self.0)
        }
    }
    let logger = MemoryLogger::new();
    let err = std::io::Error::other("disk full");
    with_layer(&logger, || {
        let phase = Phase { name: "pull" };
        tracing::info!(
            phase = ?phase,
            pod = %Pod("web-1"),
            error = &err as &(dyn std::error::Error + 'static),
            neg = -3i64,
            big = u64::MAX,
            huge = u128::MAX,
            tiny = i128::MIN,
            ratio = 0.5,
            "typed"
        );
    });
    let entry = &logger.entries()[0];
    let text = |key: &str| match entry.field(key) {
        Some(OwnedValue::Str(s)) => s.clone(),
        other => panic!("{key} is {other:?}, not a string"),
    };
    assert_eq!(text("phase"), r#"Phase { name: "pull" }"#);
    assert_eq!(text("pod"), "pod/web-1");
    assert_eq!(text("error"), "disk full");
    assert!(matches!(entry.field("neg"), Some(OwnedValue::I64(-3))));
    assert!(matches!(
        entry.field("big"),
        Some(OwnedValue::U64(u64::MAX))
    ));
    assert!(matches!(
        entry.field("huge"),
        Some(OwnedValue::U128(u128::MAX))
    ));
    assert!(matches!(
        entry.field("tiny"),
        Some(OwnedValue::I128(i128::MIN))
    ));
    assert!(matches!(entry.field("ratio"), Some(OwnedValue::F64(r)) if *r == 0.5));
}

#[test]
fn debug_and_display_span_fields_become_strings() {
    let logger = MemoryLogger::new();
    with_layer(&logger, || {
        let span = tracing::info_span!("sync", pod = %"web-1", phase = ?Some("pull"));
        span.in_scope(|| tracing::info!("x"));
    });
    let entry = &logger.entries()[0];
    assert!(matches!(entry.field("pod"), Some(OwnedValue::Str(s)) if s == "web-1"));
    assert!(matches!(entry.field("phase"), Some(OwnedValue::Str(s)) if s == r#"Some("pull")"#));
}

#[test]
fn the_logger_own_fields_come_first_and_event_fields_override_them() {
    let logger = MemoryLogger::new();
    let with_fields = logger
        .with_field("service", ctxtrace::Value::Str("agent"))
        .with_field("pod", ctxtrace::Value::Str("none"));
    let subscriber = tracing_subscriber::registry().with(CtxtraceLayer::new(with_fields));
    tracing::subscriber::with_default(subscriber, || tracing::info!(pod = "web-1", "x"));
    assert_eq!(fields(&logger.entries()[0]), ["service=agent", "pod=web-1"]);
}

#[test]
fn a_logger_that_writes_to_tracing_does_not_feed_itself() {
    // The fan-out's `TracingLogger` writes each entry to the thread's
    // default dispatcher while the subscriber is handling the event, when
    // `tracing` gives it none.
    let memory = MemoryLogger::new();
    let recorder = Recorder::new();
    let subscriber = tracing_subscriber::registry()
        .with(recorder.clone())
        .with(CtxtraceLayer::new((memory.clone(), TracingLogger::new())));
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("once");
        tracing::info!("twice");
    });
    let messages: Vec<String> = memory
        .entries()
        .iter()
        .map(|e| e.message().to_string())
        .collect();
    assert_eq!(messages, ["once", "twice"]);
    // Nor did the entries come back to the subscriber's other layers.
    let recorded = recorder.recorded();
    let seen: Vec<(&str, &str)> = recorded
        .events
        .iter()
        .map(|e| (e.target.as_str(), e.message()))
        .collect();
    assert_eq!(seen, [(module_path!(), "once"), (module_path!(), "twice")]);
}

#[test]
fn events_on_many_threads_each_arrive_whole() {
    let logger = MemoryLogger::new();
    let subscriber = tracing_subscriber::registry().with(CtxtraceLayer::new(logger.clone()));
    let dispatch = tracing::Dispatch::new(subscriber);
    std::thread::scope(|s| {
        for worker in 0..4u64 {
            let dispatch = dispatch.clone();
            s.spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    let span = tracing::info_span!("worker", worker);
                    let _entered = span.enter();
                    for n in 0..50u64 {
                        tracing::info!(n, "step {n}");
                    }
                });
            });
        }
    });
    let entries = logger.entries();
    assert_eq!(entries.len(), 200);
    for entry in &entries {
        let worker = entry.field("worker").unwrap().to_string();
        let n = entry.field("n").unwrap().to_string();
        assert_eq!(entry.message(), format!("step {n}"));
        assert_eq!(
            fields(entry),
            [format!("worker={worker}"), format!("n={n}")]
        );
    }
}

/// The README's example of this direction, word for word.
#[test]
fn span_fields_in_the_readme_example() {
    use ctxtrace::Logger as _;
    let logger = MemoryLogger::new();
    let subscriber = tracing_subscriber::registry().with(CtxtraceLayer::new(logger.clone()));
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("request", pod = "web-1")
            .in_scope(|| tracing::warn!(retries = 3, "slow"));
    });
    let entry = &logger.entries()[0];
    assert_eq!(entry.message(), "slow");
    assert_eq!(entry.field("pod").unwrap().to_string(), "web-1");
    assert_eq!(entry.field("retries").unwrap().to_string(), "3");
    assert!(logger.enabled(ctxtrace::Level::Info));
}

/// A logger that keeps each record's static target.
#[derive(Clone, Debug, Default)]
struct StaticTargets(Arc<Mutex<Vec<Option<&'static str>>>>);

impl ctxtrace::Logger for StaticTargets {
    const MAX_LEVEL: LevelFilter = LevelFilter::Trace;
    fn enabled(&self, _: Level) -> bool {
        true
    }
    fn with_field(&self, _: &'static str, _: ctxtrace::Value<'_>) -> Self {
        self.clone()
    }
    fn log(&self, record: &ctxtrace::Record<'_>) {
        self.0.lock().unwrap().push(record.target_static());
    }
}

/// `tracing`'s metadata lives as long as the program, so its target reaches
/// the logger as a static one: a recorder keeps it by reference instead of
/// copying it into each event.
#[test]
fn an_event_target_arrives_static() {
    let logger = StaticTargets::default();
    let subscriber = tracing_subscriber::registry().with(CtxtraceLayer::new(logger.clone()));
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("here");
        tracing::warn!(target: "kube::runtime", "there");
    });
    assert_eq!(
        *logger.0.lock().unwrap(),
        [Some(module_path!()), Some("kube::runtime")]
    );
}
