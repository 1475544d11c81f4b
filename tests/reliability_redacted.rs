//! Secrets: `Redacted<T>` is written as `[redacted]` by every backend of
//! this crate, in every position a value can take, and the wrapped value is
//! never formatted. (Serde output and the adapters are tested with them.)

#![cfg(feature = "std")]

use std::fmt;

use ctxtrace::{
    Ctx, JsonLogger, Logger, ManualClock, MemoryLogger, MemoryTracer, NopTracer, OwnedValue,
    Redacted, Span, TextLogger, ToValue, Value, display,
};

#[path = "support/logfmt.rs"]
mod logfmt;

const SECRET: &str = "s3cr3t-t0ken";
const TEXT: &str = "[redacted]";

/// A secret whose `Display` and `Debug` panic: formatting it at all fails
/// the test.
struct Tripwire;

impl fmt::Display for Tripwire {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("the secret was formatted")
    }
}

impl fmt::Debug for Tripwire {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("the secret was formatted")
    }
}

/// A secret type with no `Display` at all.
#[allow(dead_code)]
struct ApiKey([u8; 4]);

/// Logs a secret in every position through `ctx`: a `Ctx` field, a span
/// field (span attribute and logger field), entry fields of several wrapped
/// types, `display(&Redacted)`, and the message (`Display` and `Debug`).
fn log_secrets<T: ctxtrace::Tracer, L: Logger>(ctx: &Ctx<T, L>) {
    let ctx = ctx.with_field("ctx_token", Redacted(SECRET));
    let (ctx, mut span) = ctx.start_span("login");
    let ctx = span.with_field(&ctx, "span_password", Redacted(SECRET.to_string()));
    ctxtrace::info!(
        ctx, "login {} {:?}", Redacted(SECRET), Redacted(Tripwire);
        token = Redacted(SECRET),
        pin = Redacted(1234u64),
        key = Redacted(ApiKey(*b"k3y!")),
        wire = Redacted(Tripwire),
        shown = display(&Redacted(SECRET)),
    );
}

/// The fields `log_secrets` writes, with the entry's own in order.
const KEYS: [&str; 7] = [
    "ctx_token",
    "span_password",
    "token",
    "pin",
    "key",
    "wire",
    "shown",
];

#[test]
fn redacted_is_redacted_in_json() {
    let logger = JsonLogger::with_clock(Vec::new(), ManualClock::new(0)).without_time();
    log_secrets(&Ctx::new(
        MemoryTracer::with_clock(ManualClock::new(0)),
        logger.clone(),
    ));
    let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    assert!(
        !out.contains(SECRET) && !out.contains("1234") && !out.contains("k3y"),
        "{out}"
    );
    let line: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
    assert_eq!(line["msg"], format!("login {TEXT} {TEXT}"));
    for key in KEYS {
        assert_eq!(line[key], TEXT, "{key}: {out}");
    }
}

#[test]
fn redacted_is_redacted_in_logfmt() {
    let logger = TextLogger::with_clock(Vec::new(), ManualClock::new(0)).without_time();
    log_secrets(&Ctx::new(
        MemoryTracer::with_clock(ManualClock::new(0)),
        logger.clone(),
    ));
    let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    assert!(
        !out.contains(SECRET) && !out.contains("1234") && !out.contains("k3y"),
        "{out}"
    );
    let pairs = logfmt::parse(out.trim_end()).unwrap();
    let msg = pairs.iter().find(|(k, _)| k == "msg").unwrap();
    assert_eq!(msg.1, format!("login {TEXT} {TEXT}"));
    let fields: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(k, _)| KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(fields, KEYS.map(|k| (k, TEXT)));
}

#[test]
fn redacted_is_redacted_in_the_memory_recorder() {
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let logger = MemoryLogger::new();
    log_secrets(&Ctx::new(tracer.clone(), logger.clone()));

    // MemoryLogger: `Ctx` fields, span fields and entry fields.
    let entries = logger.entries();
    let entry = &entries[0];
    assert_eq!(entry.message(), format!("login {TEXT} {TEXT}"));
    for key in KEYS {
        assert_eq!(
            entry.field(key),
            Some(&OwnedValue::Str(TEXT.to_string())),
            "{key}"
        );
    }

    // MemoryTracer: the span attribute and the event's fields.
    let spans = tracer.spans();
    let span = spans.find("login").unwrap();
    assert_eq!(span.attribute("span_password"), Some(Value::Str(TEXT)));
    let event = span.events().next().unwrap();
    assert_eq!(event.message(), format!("login {TEXT} {TEXT}"));
    for key in &KEYS[2..] {
        assert_eq!(event.field(key), Some(Value::Str(TEXT)), "{key}");
    }
    let rendered = spans.render();
    assert!(
        !rendered.contains(SECRET) && !rendered.contains("1234"),
        "{rendered}"
    );
    assert!(!format!("{entries:?} {spans:?}").contains(SECRET));
}

/// Through a pair of loggers, and as a plain `Ctx` field of a nop tracer.
#[test]
fn redacted_is_redacted_through_a_pair() {
    let json = JsonLogger::with_clock(Vec::new(), ManualClock::new(0)).without_time();
    let memory = MemoryLogger::new();
    let ctx =
        Ctx::new(NopTracer, (memory.clone(), json.clone())).with_field("token", Redacted(SECRET));
    ctxtrace::warn!(ctx, "refresh");
    drop(ctx);
    assert_eq!(
        memory.entries()[0].field("token").unwrap().to_string(),
        TEXT
    );
    let out = String::from_utf8(json.into_writer().unwrap()).unwrap();
    assert_eq!(
        out,
        "{\"level\":\"warn\",\"target\":\"reliability_redacted\",\"msg\":\"refresh\",\"token\":\"[redacted]\"}\n"
    );
}

/// The value, `Display` and `Debug` of `Redacted`, whatever it wraps.
#[test]
fn redacted_value_display_and_debug() {
    assert_eq!(Redacted(Tripwire).to_value(), Value::Str(TEXT));
    assert_eq!(Redacted(u64::MAX).to_value(), Value::Str(TEXT));
    assert_eq!(
        format!(
            "{} {:?} {:#?} {:>12}",
            Redacted(Tripwire),
            Redacted(Tripwire),
            Redacted(1),
            Redacted(2)
        ),
        { format!("{TEXT} {TEXT} {TEXT} {TEXT}") }
    );
    assert_eq!(Redacted::<ApiKey>::TEXT, TEXT);
    let nested = Redacted(Redacted(SECRET));
    assert_eq!(nested.to_value(), Value::Str(TEXT));
}
