//! The memory recorder stays bounded: span limits on attributes and events,
//! exact dropped counts kept through `SpanData` and serde, a key set again
//! that keeps one value, and buffers of a huge span given back once reused.
#![cfg(feature = "std")]

use ctxtrace::{Ctx, ManualClock, MemoryTracer, NopLogger, Span, SpanLimits, Value};

type Tracer = MemoryTracer<ManualClock>;

fn recorder(capacity: usize) -> (Tracer, Ctx<Tracer, NopLogger>) {
    let tracer = MemoryTracer::with_clock_and_capacity(ManualClock::new(0), capacity);
    (tracer.clone(), Ctx::new(tracer, NopLogger))
}

/// A million calls, or a thousand under miri.
const MANY: usize = if cfg!(miri) { 1_000 } else { 1_000_000 };
/// A million calls, or 400 under miri, for the tests that scan every
/// attribute on each call (minutes under miri at a thousand).
const MANY_SCANS: usize = if cfg!(miri) { 400 } else { 1_000_000 };

/// The memory bound the README states for a span at the default limits
/// with small events, times the spans a recorder of `capacity` can hold
/// (`capacity`, the open ones, and every recycled record made so far), plus
/// its fixed parts.
fn bound(spans: usize) -> usize {
    spans * 28 * 1024 + 64 * 1024
}

#[test]
fn the_default_limits_are_those_of_the_otel_sdk() {
    assert_eq!(MemoryTracer::new().limits(), SpanLimits::new());
    assert_eq!(SpanLimits::default().max_attributes, 128);
    assert_eq!(SpanLimits::default().max_events, 128);
}

#[test]
fn a_million_events_under_one_open_span_stay_bounded() {
    let (tracer, root) = recorder(16);
    let (ctx, span) = root.start_span("busy");
    let before = tracer.memory_bytes();
    for i in 0..MANY {
        ctxtrace::info!(ctx, "event {i}"; n = i, pod = "web-1");
    }
    // On main: +68 MiB, every event kept.
    let open = tracer.memory_bytes();
    assert!(
        open - before < bound(1),
        "{} bytes grew by {}",
        open,
        open - before
    );
    drop(span);
    assert!(tracer.memory_bytes() < bound(2));
    let spans = tracer.spans();
    let busy = spans.find("busy").unwrap();
    assert_eq!(busy.events().len(), 128);
    assert_eq!(busy.dropped_events(), (MANY - 128) as u64);
    // The first 128 are kept, in order.
    let last = busy.events().last().unwrap();
    assert_eq!(last.message(), "event 127");
    assert_eq!(last.field("n"), Some(Value::U64(127)));
}

#[test]
fn a_million_sets_of_one_key_keep_one_attribute() {
    let (tracer, root) = recorder(16);
    let (_ctx, mut span) = root.start_span("retry");
    for i in 0..MANY {
        span.set_attribute("attempt", Value::Str(&format!("attempt number {i}")));
        span.set_attribute("n", Value::U128(&(i as u128)));
    }
    drop(span);
    // Counted once the span is recorded. On main the replaced values' text
    // stayed: tens of MiB.
    let spans = tracer.spans();
    let retry = spans.find("retry").unwrap();
    let want = format!("attempt number {}", MANY - 1);
    let attributes: Vec<_> = retry.attributes().collect();
    assert_eq!(
        attributes,
        [
            ("attempt", Value::Str(&want)),
            ("n", Value::U128(&((MANY - 1) as u128)))
        ]
    );
    assert_eq!(retry.dropped_attributes(), 0);
    assert!(tracer.memory_bytes() < bound(1));
}

#[test]
fn keys_set_again_in_turn_keep_their_last_values_and_stay_bounded() {
    // Replaced values in the middle of the text buffer: compacted away.
    let (tracer, root) = recorder(16);
    let (_ctx, mut span) = root.start_span("turns");
    let keys = ["a", "b", "c"];
    for i in 0..MANY_SCANS {
        let key = keys[i % 3];
        span.set_attribute(
            key,
            Value::Str(&format!("{key}-{i}-{}", "x".repeat(i % 40))),
        );
        span.set_attribute("wide", Value::I128(&-(i as i128)));
        span.set_status_code(ctxtrace::StatusCode::Aborted, &format!("try {i}"));
    }
    drop(span);
    let spans = tracer.spans();
    let turns = spans.find("turns").unwrap();
    for (k, key) in keys.iter().enumerate() {
        let i = (0..MANY_SCANS).rev().find(|i| i % 3 == k).unwrap();
        let want = format!("{key}-{i}-{}", "x".repeat(i % 40));
        assert_eq!(turns.attribute(key), Some(Value::Str(&want)));
    }
    assert_eq!(
        turns.attribute("wide"),
        Some(Value::I128(&-((MANY_SCANS - 1) as i128)))
    );
    let message = format!("try {}", MANY_SCANS - 1);
    assert_eq!(
        turns.status(),
        ctxtrace::Status::Error {
            code: ctxtrace::StatusCode::Aborted,
            message: &message
        }
    );
    assert_eq!(turns.attributes().len(), 4);
    assert!(tracer.memory_bytes() < bound(1));
}

#[test]
fn a_million_distinct_keys_are_bounded_and_counted() {
    let (tracer, root) = recorder(16);
    let (_ctx, mut span) = root.start_span("wide");
    // Keys are `&'static str`: distinct substrings of one string (a thousand,
    // 200 under miri), set in turn, then set again (replacing, not dropped)
    // until a million calls are made.
    const CHARS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let count = if cfg!(miri) { 200 } else { 1_000 };
    let keys: Vec<&'static str> = (0..CHARS.len())
        .flat_map(|i| (i + 1..=CHARS.len()).map(move |j| &CHARS[i..j]))
        .take(count)
        .collect();
    for i in 0..MANY_SCANS {
        span.set_attribute(keys[i % keys.len()], Value::U64(i as u64));
    }
    drop(span);
    assert!(tracer.memory_bytes() < bound(1));
    let spans = tracer.spans();
    let wide = spans.find("wide").unwrap();
    assert_eq!(wide.attributes().len(), 128);
    // Each key past the 128th is dropped every time it is set.
    let dropped = (0..MANY_SCANS).filter(|i| i % keys.len() >= 128).count();
    assert_eq!(wide.dropped_attributes(), dropped as u64);
    let last_round = (MANY_SCANS - 1) / count * count;
    assert_eq!(
        wide.attribute(keys[127]),
        Some(Value::U64((last_round + 127) as u64))
    );
    assert_eq!(wide.attribute(keys[128]), None);
}

#[test]
fn custom_limits_drop_and_count_exactly() {
    let limits = SpanLimits::new().with_max_attributes(3).with_max_events(2);
    let (tracer, _) = recorder(16);
    let root = Ctx::new(tracer.clone().with_limits(limits), NopLogger);
    let (ctx, mut span) = root.start_span("limited");
    let ctx = span.with_field(&ctx, "a", 1);
    for key in ["b", "c", "d", "e", "a", "b"] {
        span.set_attribute(key, Value::Str(key));
    }
    for i in 0..7 {
        ctxtrace::info!(ctx, "e{i}");
    }
    // Below the limits nothing is dropped, on a span of the same recorder
    // started through a handle with the default limits.
    let (ctx2, plain) = Ctx::new(tracer.clone(), NopLogger).start_span("plain");
    for i in 0..7 {
        ctxtrace::info!(ctx2, "e{i}");
    }
    drop((span, plain));
    let spans = tracer.spans();
    let limited = spans.find("limited").unwrap();
    let keys: Vec<&str> = limited.attributes().map(|(k, _)| k).collect();
    assert_eq!(keys, ["a", "b", "c"]);
    assert_eq!(limited.attribute("a"), Some(Value::Str("a")));
    assert_eq!(limited.dropped_attributes(), 2);
    assert_eq!(limited.events().len(), 2);
    assert_eq!(limited.dropped_events(), 5);
    let plain = spans.find("plain").unwrap();
    assert_eq!((plain.events().len(), plain.dropped_events()), (7, 0));

    let data = limited.to_data();
    assert_eq!((data.dropped_attributes, data.dropped_events), (2, 5));
    assert_eq!(
        spans.render_tree(limited).lines().next().unwrap(),
        "limited 0ns [unset] a=a b=b c=c (dropped: 2 attributes, 5 events)"
    );
}

#[test]
fn zero_limits_keep_nothing_and_count_everything() {
    let limits = SpanLimits::new().with_max_attributes(0).with_max_events(0);
    let (tracer, _) = recorder(16);
    let root = Ctx::new(tracer.clone().with_limits(limits), NopLogger);
    let (ctx, mut span) = root.start_span("none");
    let ctx = span.with_field(&ctx, "a", 1);
    ctxtrace::info!(ctx, "gone");
    drop(span);
    let spans = tracer.spans();
    let none = spans.find("none").unwrap();
    assert_eq!((none.attributes().len(), none.dropped_attributes()), (0, 1));
    assert_eq!((none.events().len(), none.dropped_events()), (0, 1));
    assert!(
        spans
            .render()
            .ends_with("(dropped: 1 attributes, 1 events)\n")
    );
}

#[cfg(feature = "serde")]
#[test]
fn dropped_counts_survive_serde() {
    let limits = SpanLimits::new().with_max_attributes(1).with_max_events(1);
    let (tracer, _) = recorder(16);
    // Counter ids: the old-data check below goes through `serde_json::Value`,
    // which holds a number past `u64` (a random 128-bit trace id) only as an
    // `f64`.
    let tracer = tracer
        .with_limits(limits)
        .with_ids(ctxtrace::Ids::Sequential);
    let root = Ctx::new(tracer.clone(), NopLogger);
    let (ctx, mut span) = root.start_span("sync");
    let ctx = span.with_field(&ctx, "a", 1).with_field("b", 2);
    span.set_attribute("b", Value::I64(2));
    ctxtrace::info!(ctx, "one");
    ctxtrace::info!(ctx, "two");
    ctxtrace::info!(ctx, "three");
    drop(span);
    let data = tracer.spans().find("sync").unwrap().to_data();
    let json = serde_json::to_string(&data).unwrap();
    assert!(json.contains("\"dropped_attributes\":1"), "{json}");
    assert!(json.contains("\"dropped_events\":2"), "{json}");
    let back: ctxtrace::SpanData = serde_json::from_str(&json).unwrap();
    assert_eq!(back, data);
    assert_eq!((back.dropped_attributes, back.dropped_events), (1, 2));
    // Data written before spans had limits reads back with zero counts.
    let mut old: serde_json::Value = serde_json::from_str(&json).unwrap();
    let object = old.as_object_mut().unwrap();
    object.remove("dropped_attributes");
    object.remove("dropped_events");
    let old: ctxtrace::SpanData = serde_json::from_value(old).unwrap();
    assert_eq!((old.dropped_attributes, old.dropped_events), (0, 0));
}

#[test]
// 64 MiB of text: too big for miri.
#[cfg_attr(miri, ignore)]
fn a_huge_span_is_given_back_once_its_buffers_are_reused() {
    const HUGE: usize = 64 << 20;
    let (tracer, root) = recorder(4);
    let small = |n: usize| {
        for _ in 0..n {
            let (ctx, mut span) = root.start_span("small");
            let ctx = span.with_field(&ctx, "pod", "web-1");
            ctxtrace::info!(ctx, "tick"; n = 1);
        }
    };
    small(8);
    let warm = tracer.memory_bytes();
    let big = "x".repeat(HUGE);
    {
        let (ctx, mut span) = root.start_span("huge");
        let ctx = span.with_field(&ctx, "blob", big.as_str());
        ctxtrace::info!(ctx, "event"; blob = big.as_str());
    }
    drop(big);
    assert!(tracer.memory_bytes() > 2 * HUGE);
    // Evicted by four small spans and reused: given back. On main the
    // buffers kept their 64 MiB for good.
    small(16);
    let after = tracer.memory_bytes();
    assert!(
        after < warm + 512 * 1024,
        "{after} bytes held after the huge span was recycled (warm: {warm})"
    );
}
