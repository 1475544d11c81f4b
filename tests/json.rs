//! `JsonLogger`: every entry is one line that a JSON parser reads back to the
//! exact strings and numbers that were logged, with the keys in the
//! documented order and no field able to forge a fixed key.
#![cfg(feature = "std")]

mod support;

use std::io;
use std::net::Ipv4Addr;

use ctxtrace::{
    Callsite, Ctx, Field, Ids, JsonLogger, Level, ManualClock, MemoryTracer, NopTracer, Redacted,
    Span, SpanIds, Tracer, Value,
};
use proptest::prelude::*;
use support::{
    Capture, CharByChar, Expected, TextError, Val, any_fields, assert_json_value, assert_one_line,
    hostile_string, hostile_strings, json_key, json_members, json_raw, json_string, leak,
    merged_fields,
};

/// 2026-11-24T10:00:00.123456789Z
const NOV_24: u64 = 1_795_514_400_123_456_789;

fn logger() -> (JsonLogger<Capture, ManualClock>, Capture) {
    let capture = Capture::new();
    (
        JsonLogger::with_clock(capture.clone(), ManualClock::new(NOV_24)).without_time(),
        capture,
    )
}

fn s(text: &str) -> Expected {
    Expected::Str(text.to_owned())
}

/// Asserts that `line` is one line holding exactly `expected`, in order.
fn assert_line(line: &str, expected: &[(&str, Expected)]) {
    assert_one_line(line);
    let members = json_members(line);
    let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, want, "in {line:?}");
    for ((_, raw), (_, value)) in members.iter().zip(expected) {
        assert_json_value(raw, value);
    }
}

fn ids_hex(ids: SpanIds) -> (String, String) {
    (
        format!("{:032x}", ids.trace_id.0),
        format!("{:016x}", ids.span_id.0),
    )
}

#[test]
fn hostile_messages_read_back_exactly() {
    for text in hostile_strings() {
        let (logger, out) = logger();
        let ctx = Ctx::new(NopTracer, logger);
        ctxtrace::info!(ctx, "{}", text);
        ctxtrace::warn!(ctx, "{}", CharByChar(text.clone()));
        ctxtrace::error!(ctx, "{text}");
        let lines = out.lines();
        assert_eq!(lines.len(), 3, "{text:?} gave {lines:?}");
        for (line, level) in lines.iter().zip(["info", "warn", "error"]) {
            assert_line(
                line,
                &[
                    ("level", s(level)),
                    ("target", s("json")),
                    ("msg", s(&text)),
                ],
            );
        }
    }
}

#[test]
fn literal_messages_are_escaped_too() {
    // A message without arguments takes the `as_str` path.
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    ctxtrace::info!(
        ctx,
        "q\" b\\ nl\n cr\r tab\t nul\0 esc\x1b del\x7f nel\u{85} csi\u{9b} ls\u{2028} ps\u{2029} 🦀"
    );
    ctxtrace::info!(ctx, "\"}}\n{{\"level\":\"error\"");
    ctxtrace::info!(ctx, "");
    let lines = out.lines();
    assert_eq!(lines.len(), 3);
    let first = "q\" b\\ nl\n cr\r tab\t nul\0 esc\x1b del\x7f nel\u{85} csi\u{9b} ls\u{2028} ps\u{2029} 🦀";
    assert_line(
        &lines[0],
        &[
            ("level", s("info")),
            ("target", s("json")),
            ("msg", s(first)),
        ],
    );
    assert_line(
        &lines[1],
        &[
            ("level", s("info")),
            ("target", s("json")),
            ("msg", s("\"}\n{\"level\":\"error\"")),
        ],
    );
    assert_eq!(lines[2], r#"{"level":"info","target":"json","msg":""}"#);
}

#[test]
fn escapes_are_the_short_ones_where_json_has_them() {
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    ctxtrace::info!(
        ctx,
        "{}",
        "\"\\\n\r\t\u{8}\u{c}\u{0}\u{1f}\u{7f}\u{85}\u{9b}\u{2028}\u{2029}/€\u{a0}"
    );
    assert_eq!(
        out.line(),
        "{\"level\":\"info\",\"target\":\"json\",\"msg\":\"\\\"\\\\\\n\\r\\t\\b\\f\\u0000\\u001f\\u007f\\u0085\\u009b\\u2028\\u2029/€\u{a0}\"}"
    );
}

#[test]
fn hostile_entry_field_values_read_back_exactly() {
    for text in hostile_strings() {
        let (logger, out) = logger();
        let ctx = Ctx::new(NopTracer, logger);
        let err = TextError(text.clone());
        ctxtrace::info!(ctx, "m"; v = text.as_str(), d = ctxtrace::display(&CharByChar(text.clone())), e = ctxtrace::error(&err));
        assert_line(
            &out.line(),
            &[
                ("level", s("info")),
                ("target", s("json")),
                ("msg", s("m")),
                ("v", s(&text)),
                ("d", s(&text)),
                ("e", s(&text)),
            ],
        );
    }
}

#[test]
fn hostile_ctx_field_values_read_back_exactly() {
    for text in hostile_strings() {
        let (logger, out) = logger();
        let err = TextError(text.clone());
        let ctx = Ctx::new(NopTracer, logger)
            .with_field("v", text.as_str())
            .with_field("d", ctxtrace::display(&CharByChar(text.clone())))
            .with_field("e", ctxtrace::error(&err));
        ctxtrace::info!(ctx, "m"; after = 1);
        assert_line(
            &out.line(),
            &[
                ("level", s("info")),
                ("target", s("json")),
                ("msg", s("m")),
                ("v", s(&text)),
                ("d", s(&text)),
                ("e", s(&text)),
                ("after", Expected::U64(1)),
            ],
        );
    }
}

#[test]
fn hostile_span_field_values_read_back_exactly_with_the_nop_tracer() {
    for text in hostile_strings() {
        let (logger, out) = logger();
        let root = Ctx::new(NopTracer, logger);
        let (ctx, mut span) = root.start_span("sync_pod");
        let ctx = span.with_field(&ctx, "v", text.as_str());
        let ctx = span.with_fields(
            &ctx,
            &[Field::new(
                "d",
                &ctxtrace::display(&CharByChar(text.clone())),
            )],
        );
        ctxtrace::info!(ctx, "{}", text);
        assert_line(
            &out.line(),
            &[
                ("level", s("info")),
                ("target", s("json")),
                ("msg", s(&text)),
                ("method", s("sync_pod")),
                ("v", s(&text)),
                ("d", s(&text)),
            ],
        );
    }
}

#[test]
fn hostile_span_field_values_read_back_exactly_with_the_memory_tracer() {
    for text in hostile_strings() {
        let (logger, out) = logger();
        let tracer = MemoryTracer::with_clock(ManualClock::new(0));
        let root = Ctx::new(tracer.clone(), logger);
        let (ctx, mut span) = root.start_span("sync_pod");
        let ctx = span.with_field(&ctx, "v", text.as_str());
        ctxtrace::info!(ctx, "{}", text);
        span.end();

        let spans = tracer.spans();
        let record = spans.find("sync_pod").unwrap();
        assert_eq!(record.attribute("v"), Some(Value::Str(&text)));
        let (trace_id, span_id) = ids_hex(record.ids());
        assert_line(
            &out.line(),
            &[
                ("level", s("info")),
                ("target", s("json")),
                ("msg", s(&text)),
                ("method", s("sync_pod")),
                ("trace_id", s(&trace_id)),
                ("span_id", s(&span_id)),
                ("v", s(&text)),
            ],
        );
    }
}

#[test]
fn hostile_keys_are_escaped_and_read_back_exactly() {
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger).with_field("a \"b\"\n\\c\u{2028}", 1);
    ctxtrace::info!(ctx, "m"; "" = 2, "é🦀" = 3, "\u{0}\u{7f}" = 4, "k8s.pod" = 5);
    assert_line(
        &out.line(),
        &[
            ("level", s("info")),
            ("target", s("json")),
            ("msg", s("m")),
            ("a \"b\"\n\\c\u{2028}", Expected::U64(1)),
            ("", Expected::U64(2)),
            ("é🦀", Expected::U64(3)),
            ("\u{0}\u{7f}", Expected::U64(4)),
            ("k8s.pod", Expected::U64(5)),
        ],
    );
}

#[test]
fn keys_come_in_the_documented_order() {
    let capture = Capture::new();
    let logger = JsonLogger::with_clock(capture.clone(), ManualClock::new(NOV_24));
    let tracer = MemoryTracer::with_clock(ManualClock::new(0)).with_ids(Ids::Sequential);
    // A ctx field set before the span, and one set through the span.
    let root = Ctx::new(tracer.clone(), logger).with_field("zone", "a");
    let (ctx, mut span) = root.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", "web-1");
    ctxtrace::info!(ctx, "synced"; attempt = 2, alpha = true);
    span.end();

    let ids = tracer.spans().find("sync_pod").unwrap().ids();
    let (trace_id, span_id) = ids_hex(ids);
    assert_eq!(trace_id, "00000000000000000000000000000001");
    assert_eq!(span_id, "0000000000000001");
    assert_eq!(
        capture.line(),
        format!(
            "{{\"time\":\"2026-11-24T10:00:00.123456789Z\",\"level\":\"info\",\"target\":\"json\",\"msg\":\"synced\",\"method\":\"sync_pod\",\
             \"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\",\"zone\":\"a\",\"pod\":\"web-1\",\"attempt\":2,\"alpha\":true}}"
        )
    );
    let keys: Vec<String> = json_members(&capture.line())
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        keys,
        [
            "time", "level", "target", "msg", "method", "trace_id", "span_id", "zone", "pod",
            "attempt", "alpha"
        ]
    );
}

#[test]
fn time_is_rfc_3339_utc_with_nanoseconds() {
    let cases = [
        (NOV_24, "2026-11-24T10:00:00.123456789Z"),
        (0, "1970-01-01T00:00:00.000000000Z"),
        (951_782_400_000_000_001, "2000-02-29T00:00:00.000000001Z"),
        (1_704_067_199_999_999_999, "2023-12-31T23:59:59.999999999Z"),
        (u64::MAX, "2554-07-21T23:34:33.709551615Z"),
    ];
    let capture = Capture::new();
    let clock = ManualClock::new(0);
    let ctx = Ctx::new(
        NopTracer,
        JsonLogger::with_clock(capture.clone(), clock.clone()),
    );
    for (nanos, _) in cases {
        clock.set(nanos);
        ctxtrace::info!(ctx, "tick");
    }
    let lines = capture.lines();
    assert_eq!(lines.len(), cases.len());
    for (line, (_, want)) in lines.iter().zip(cases) {
        assert_line(
            line,
            &[
                ("time", s(want)),
                ("level", s("info")),
                ("target", s("json")),
                ("msg", s("tick")),
            ],
        );
        let raw = json_string(json_raw(&json_members(line), "time"));
        assert_eq!(raw.len(), "2026-11-24T10:00:00.123456789Z".len());
    }
}

#[test]
fn without_time_there_is_no_time_key() {
    let (logger, out) = logger();
    ctxtrace::info!(Ctx::new(NopTracer, logger), "x");
    assert_eq!(out.line(), r#"{"level":"info","target":"json","msg":"x"}"#);
}

#[test]
fn every_level_is_written_by_name() {
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    ctxtrace::trace!(ctx, "t");
    ctxtrace::debug!(ctx, "d");
    ctxtrace::info!(ctx, "i");
    ctxtrace::warn!(ctx, "w");
    ctxtrace::error!(ctx, "e");
    let levels: Vec<String> = out
        .lines()
        .iter()
        .map(|l| json_string(json_raw(&json_members(l), "level")))
        .collect();
    assert_eq!(levels, ["trace", "debug", "info", "warn", "error"]);
}

#[test]
fn integers_and_bools_stay_json_numbers_and_bools() {
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    ctxtrace::info!(ctx, "n";
        min = i64::MIN, max = i64::MAX, umax = u64::MAX, zero = 0u8, neg = -1i8, i32min = i32::MIN,
        small128 = 7u128, neg128 = -7i128, usize_max = usize::MAX, yes = true, no = false);
    let members = json_members(&out.line());
    let want = [
        ("min", Expected::I64(i64::MIN)),
        ("max", Expected::I64(i64::MAX)),
        ("umax", Expected::U64(u64::MAX)),
        ("zero", Expected::U64(0)),
        ("neg", Expected::I64(-1)),
        ("i32min", Expected::I64(i32::MIN.into())),
        ("small128", Expected::U64(7)),
        ("neg128", Expected::I64(-7)),
        ("usize_max", Expected::U64(usize::MAX as u64)),
        ("yes", Expected::Bool(true)),
        ("no", Expected::Bool(false)),
    ];
    for (key, value) in &want {
        assert_json_value(json_raw(&members, key), value);
    }
    // And through serde_json's own number types, exactly.
    let parsed: serde_json::Value = serde_json::from_str(&out.line()).unwrap();
    assert_eq!(parsed["min"].as_i64(), Some(i64::MIN));
    assert_eq!(parsed["umax"].as_u64(), Some(u64::MAX));
    assert_eq!(parsed["yes"], serde_json::Value::Bool(true));
}

#[test]
fn integers_too_wide_for_64_bits_are_strings() {
    let (logger, out) = logger();
    ctxtrace::info!(Ctx::new(NopTracer, logger), "n"; big = u128::MAX, small = i128::MIN);
    let members = json_members(&out.line());
    assert_json_value(json_raw(&members, "big"), &s(&u128::MAX.to_string()));
    assert_json_value(json_raw(&members, "small"), &s(&i128::MIN.to_string()));
}

#[test]
fn floats_read_back_bit_exact_and_non_finite_ones_are_strings() {
    let floats = [
        0.0,
        -0.0,
        1.0,
        -1.5,
        0.1,
        1e-7,
        1e16,
        123_456_789.012_345_68,
        f64::MIN_POSITIVE,
        f64::MIN_POSITIVE / 3.0,
        f64::from_bits(1),
        -f64::from_bits(1),
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        f64::from(f32::MAX),
        f64::from(0.1f32),
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    for n in floats {
        ctxtrace::info!(ctx, "f"; v = n);
    }
    ctxtrace::info!(ctx, "f32"; v = 0.1f32);
    let lines = out.lines();
    assert_eq!(lines.len(), floats.len() + 1);
    for (line, n) in lines.iter().zip(floats.iter().chain([&f64::from(0.1f32)])) {
        assert_one_line(line);
        assert_json_value(json_raw(&json_members(line), "v"), &Expected::F64(*n));
    }
    // The exact texts of the awkward ones.
    let raw = |i: usize| json_raw(&json_members(&lines[i]), "v").to_owned();
    assert_eq!(raw(1), "-0.0");
    assert_eq!(raw(10), "5e-324");
    assert_eq!(raw(17), "\"NaN\"");
    assert_eq!(raw(18), "\"NaN\"");
    assert_eq!(raw(19), "\"inf\"");
    assert_eq!(raw(20), "\"-inf\"");
}

#[test]
fn reserved_keys_become_fields_dot_key_and_forge_nothing() {
    let capture = Capture::new();
    let logger = JsonLogger::with_clock(capture.clone(), ManualClock::new(NOV_24));
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let root = Ctx::new(tracer.clone(), logger)
        .with_field("level", "error")
        .with_field("time", "0");
    let (ctx, mut span) = root.start_span("real_method");
    let ctx = span.with_field(&ctx, "method", "forged_method");
    ctxtrace::info!(ctx, "real"; msg = "forged", target = "forged", trace_id = "ffff", span_id = "eeee");
    span.end();

    let (trace_id, span_id) = ids_hex(tracer.spans().find("real_method").unwrap().ids());
    let line = capture.line();
    assert_line(
        &line,
        &[
            ("time", s("2026-11-24T10:00:00.123456789Z")),
            ("level", s("info")),
            ("target", s("json")),
            ("msg", s("real")),
            ("method", s("real_method")),
            ("trace_id", s(&trace_id)),
            ("span_id", s(&span_id)),
            ("fields.level", s("error")),
            ("fields.time", s("0")),
            ("fields.method", s("forged_method")),
            ("fields.msg", s("forged")),
            ("fields.target", s("forged")),
            ("fields.trace_id", s("ffff")),
            ("fields.span_id", s("eeee")),
        ],
    );
    let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(parsed["level"], "info");
    assert_eq!(parsed["msg"], "real");
    assert_eq!(parsed["target"], "json");
    assert_eq!(parsed["trace_id"], trace_id.as_str());
}

mod podlib {
    /// Logs from a module of its own, so the target is `json::podlib`.
    pub fn sync(ctx: &ctxtrace::Ctx<impl ctxtrace::Tracer, impl ctxtrace::Logger>) {
        ctxtrace::info!(ctx, "from a module");
    }
}

#[test]
fn the_target_is_the_calling_module_or_the_one_named_and_comes_after_the_level() {
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    ctxtrace::info!(ctx, "here");
    podlib::sync(&ctx);
    ctxtrace::warn!(ctx, target: "podlib::pull", "named"; attempt = 2);
    // No call site, no target.
    ctx.log(Level::Error, format_args!("bare"), &[]);
    assert_eq!(
        out.lines(),
        [
            r#"{"level":"info","target":"json","msg":"here"}"#,
            r#"{"level":"info","target":"json::podlib","msg":"from a module"}"#,
            r#"{"level":"warn","target":"podlib::pull","msg":"named","attempt":2}"#,
            r#"{"level":"error","msg":"bare"}"#,
        ]
    );
}

#[test]
fn without_target_no_line_has_one_and_a_target_field_is_still_renamed() {
    let capture = Capture::new();
    let logger = JsonLogger::with_clock(capture.clone(), ManualClock::new(NOV_24))
        .without_time()
        .without_target();
    let ctx = Ctx::new(NopTracer, logger).with_field("target", "ctx");
    ctxtrace::info!(ctx, target: "podlib", "m");
    ctxtrace::info!(ctx, "m"; target = "entry");
    assert_eq!(
        capture.lines(),
        [
            r#"{"level":"info","msg":"m","fields.target":"ctx"}"#,
            r#"{"level":"info","msg":"m","fields.target":"entry"}"#,
        ]
    );
}

#[test]
fn hostile_targets_are_escaped_and_read_back_exactly() {
    for text in hostile_strings() {
        let (logger, out) = logger();
        let site = Callsite::new(&text, "src/dep.rs", 3);
        Ctx::new(NopTracer, logger).log_at(&site, Level::Info, format_args!("m"), &[]);
        let line = out.line();
        if text.is_empty() {
            assert_line(&line, &[("level", s("info")), ("msg", s("m"))]);
        } else {
            assert_line(
                &line,
                &[("level", s("info")), ("target", s(&text)), ("msg", s("m"))],
            );
        }
    }
}

#[test]
fn an_entrys_reserved_field_replaces_the_ctxs_and_the_fixed_keys_stay() {
    let (logger, out) = logger();
    let (ctx, _span) = Ctx::new(NopTracer, logger)
        .with_field("level", "ctx")
        .start_span("real");
    ctxtrace::warn!(ctx, "real"; level = "error", method = "forged", time = "1999");
    assert_line(
        &out.line(),
        &[
            ("level", s("warn")),
            ("target", s("json")),
            ("msg", s("real")),
            ("method", s("real")),
            ("fields.level", s("error")),
            ("fields.method", s("forged")),
            ("fields.time", s("1999")),
        ],
    );
}

#[test]
fn display_values_and_errors_are_strings() {
    let (logger, out) = logger();
    let addr = Ipv4Addr::new(10, 0, 0, 7);
    let io_err = io::Error::new(io::ErrorKind::NotFound, "image \"v2\" not found");
    let parse_err = "x".parse::<u8>().unwrap_err();
    let ctx = Ctx::new(NopTracer, logger).with_field("addr", ctxtrace::display(&addr));
    ctxtrace::info!(ctx, "m"; io = io_err, parse = ctxtrace::error(&parse_err), c = '"', n = ctxtrace::display(&42));
    assert_line(
        &out.line(),
        &[
            ("level", s("info")),
            ("target", s("json")),
            ("msg", s("m")),
            ("addr", s("10.0.0.7")),
            ("io", s("image \"v2\" not found")),
            ("parse", s("invalid digit found in string")),
            ("c", s("\"")),
            // A number through `display` is its text, not a number.
            ("n", s("42")),
        ],
    );
}

#[test]
fn redacted_values_are_written_as_redacted_everywhere() {
    let (logger, out) = logger();
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let root = Ctx::new(tracer.clone(), logger).with_field("ctx_token", Redacted("ctx-secret"));
    let (ctx, mut span) = root.start_span("login");
    let ctx = span.with_field(&ctx, "span_token", Redacted("span-secret"));
    ctxtrace::info!(ctx, "m"; token = Redacted(String::from("entry-secret")));
    span.end();

    let line = out.line();
    assert!(!line.contains("secret"), "{line}");
    let members = json_members(&line);
    for key in ["ctx_token", "span_token", "token"] {
        assert_json_value(json_raw(&members, key), &s("[redacted]"));
    }
    let spans = tracer.spans();
    assert_eq!(
        spans.find("login").unwrap().attribute("span_token"),
        Some(Value::Str("[redacted]"))
    );
}

#[test]
fn ids_are_those_of_the_memory_tracer_span() {
    let (logger, out) = logger();
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let root = Ctx::new(tracer.clone(), logger);
    // Spans in another trace first, so the ids are not all 1.
    drop(root.start_span("other"));
    ctxtrace::info!(root, "at the root");
    let (outer_ctx, outer) = root.start_span("outer");
    let (inner_ctx, inner) = outer_ctx.start_span("inner");
    ctxtrace::info!(outer_ctx, "in outer");
    ctxtrace::info!(inner_ctx, "in inner");
    assert_eq!(inner_ctx.span_ids(), Some(inner.span_ref().unwrap().ids()));
    drop((inner, outer));

    let spans = tracer.spans();
    let outer = spans.find("outer").unwrap();
    let inner = spans.find("inner").unwrap();
    assert_eq!(outer.trace_id(), inner.trace_id());
    assert_ne!(outer.trace_id(), spans.find("other").unwrap().trace_id());

    let lines = out.lines();
    assert_eq!(lines.len(), 3);
    // No span, no ids and no method.
    assert_eq!(
        lines[0],
        r#"{"level":"info","target":"json","msg":"at the root"}"#
    );
    for (line, (record, name)) in lines[1..].iter().zip([(outer, "outer"), (inner, "inner")]) {
        let members = json_members(line);
        let (trace_id, span_id) = ids_hex(record.ids());
        let got_trace = json_string(json_raw(&members, "trace_id"));
        let got_span = json_string(json_raw(&members, "span_id"));
        assert_eq!((got_trace.len(), got_span.len()), (32, 16));
        assert!(
            got_trace
                .bytes()
                .chain(got_span.bytes())
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!((got_trace, got_span), (trace_id, span_id));
        assert_eq!(json_string(json_raw(&members, "method")), name);
    }
}

#[test]
fn nop_tracer_spans_write_no_ids_but_their_fields() {
    let (logger, out) = logger();
    let (ctx, mut span) = Ctx::new(NopTracer, logger).start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", "web-1");
    ctxtrace::info!(ctx, "m");
    assert_eq!(
        out.line(),
        r#"{"level":"info","target":"json","msg":"m","method":"sync_pod","pod":"web-1"}"#
    );
}

#[test]
fn a_ctx_field_is_written_on_every_later_line_and_the_parent_is_unchanged() {
    let (logger, out) = logger();
    let root = Ctx::new(NopTracer, logger);
    let child = root.with_field("pod", "web-1");
    ctxtrace::info!(child, "a");
    ctxtrace::info!(root, "b");
    ctxtrace::info!(child.with_field("pod", "web-2"), "c");
    assert_eq!(
        out.lines(),
        [
            r#"{"level":"info","target":"json","msg":"a","pod":"web-1"}"#,
            r#"{"level":"info","target":"json","msg":"b"}"#,
            r#"{"level":"info","target":"json","msg":"c","pod":"web-2"}"#,
        ]
    );
}

#[test]
fn keys_are_not_repeated_in_a_line() {
    let (logger, out) = logger();
    // Set again on the `Ctx`: the later value, in the later place.
    let ctx = Ctx::new(NopTracer, logger)
        .with_field("a", 1)
        .with_field("b", 2)
        .with_field("a", 3);
    ctxtrace::info!(ctx, "m");
    // An entry's own field wins over the `Ctx`'s.
    ctxtrace::info!(ctx, "m"; b = "entry", c = true);
    let (ctx, mut span) = ctx.start_span("s");
    let ctx = span.with_field(&ctx, "b", "span");
    ctxtrace::info!(ctx, "m");
    assert_eq!(
        out.lines(),
        [
            r#"{"level":"info","target":"json","msg":"m","b":2,"a":3}"#,
            r#"{"level":"info","target":"json","msg":"m","a":3,"b":"entry","c":true}"#,
            r#"{"level":"info","target":"json","msg":"m","method":"s","a":3,"b":"span"}"#,
        ]
    );
}

/// Logs one entry with the given parts through `tracer`, and returns the
/// line and what it must hold.
fn render_case<T: Tracer>(
    tracer: T,
    level: Level,
    msg: &str,
    ctx_fields: &[(&'static str, Val)],
    span_fields: &[(&'static str, Val)],
    entry_fields: &[(&'static str, Val)],
) -> (String, Vec<(String, Expected)>) {
    let (logger, out) = logger();
    let mut ctx = Ctx::new(tracer, logger);
    for &(key, ref value) in ctx_fields {
        ctx = ctx.with_field(key, value);
    }
    let (mut ctx, mut span) = ctx.start_span("prop");
    for &(key, ref value) in span_fields {
        ctx = span.with_field(&ctx, key, value);
    }
    let fields: Vec<Field<'_>> = entry_fields
        .iter()
        .map(|&(key, ref value)| Field {
            key,
            value: value.value(),
        })
        .collect();
    ctx.log(level, format_args!("{msg}"), &fields);

    let mut expected = vec![
        ("level".to_owned(), s(level.as_str())),
        ("msg".to_owned(), s(msg)),
        ("method".to_owned(), s("prop")),
    ];
    if let Some(ids) = ctx.span_ids() {
        let (trace_id, span_id) = ids_hex(ids);
        expected.push(("trace_id".to_owned(), Expected::Str(trace_id)));
        expected.push(("span_id".to_owned(), Expected::Str(span_id)));
    }
    let ctx_and_span: Vec<_> = ctx_fields.iter().chain(span_fields).cloned().collect();
    for (key, value) in merged_fields(&ctx_and_span, entry_fields) {
        expected.push((json_key(key), value.expected()));
    }
    drop(span);
    (out.line(), expected)
}

fn check_case(line: &str, expected: &[(String, Expected)]) {
    let expected: Vec<(&str, Expected)> = expected
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    assert_line(line, &expected);
}

proptest! {
    #![proptest_config(support::proptest_config())]

    #[test]
    fn any_entry_is_one_line_that_reads_back_exactly(
        level in prop::sample::select(Level::ALL.to_vec()),
        msg in hostile_string(),
        ctx_fields in any_fields(4),
        span_fields in any_fields(3),
        entry_fields in any_fields(6),
    ) {
        let (line, expected) = render_case(NopTracer, level, &msg, &ctx_fields, &span_fields, &entry_fields);
        check_case(&line, &expected);
        let tracer = MemoryTracer::with_clock(ManualClock::new(0));
        let (line, expected) = render_case(tracer, level, &msg, &ctx_fields, &span_fields, &entry_fields);
        prop_assert!(line.contains("\"trace_id\":\""));
        check_case(&line, &expected);
    }
}

#[test]
fn hostile_span_names_are_escaped_in_the_method() {
    for name in hostile_strings() {
        // `start_span` takes a `&'static str`.
        let name = leak(&name);
        let (logger, out) = logger();
        let (ctx, _span) = Ctx::new(NopTracer, logger).start_span(name);
        ctxtrace::info!(ctx, "m");
        assert_line(
            &out.line(),
            &[
                ("level", s("info")),
                ("target", s("json")),
                ("msg", s("m")),
                ("method", s(name)),
            ],
        );
    }
}

/// A call site's keys ([`Callsite::with_keys`]) are written as they are only
/// when the record's fields have those very keys and each is plain; any
/// other key is renamed and escaped as ever.
#[test]
fn a_call_sites_keys_are_trusted_only_for_fields_with_those_keys() {
    static PLAIN: Callsite<'static> = Callsite::new("json", "", 0).with_keys(&["pod", "attempt"]);
    static HOSTILE: Callsite<'static> =
        Callsite::new("json", "", 0).with_keys(&["a \"b\"\n", "level"]);
    static TWICE: Callsite<'static> = Callsite::new("json", "", 0).with_keys(&["pod", "pod"]);
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger).with_field("pod", "ctx");
    let log = |site: &Callsite<'_>, fields: &[Field<'_>]| {
        out.clear();
        ctx.log_at(site, Level::Info, format_args!("m"), fields);
        out.line()
    };
    let fixed = [("level", s("info")), ("target", s("json")), ("msg", s("m"))];
    let with = |fields: &[(&'static str, Expected)]| [&fixed[..], fields].concat();
    let (web, two) = ("web-1", 2);

    // The call site's own keys.
    let line = log(
        &PLAIN,
        &[Field::new("pod", &web), Field::new("attempt", &two)],
    );
    assert_line(
        &line,
        &with(&[("pod", s("web-1")), ("attempt", Expected::U64(2))]),
    );
    // Other keys, under a call site that claims plain ones.
    let line = log(
        &PLAIN,
        &[Field::new("level", &web), Field::new("a\"\n", &two)],
    );
    assert_line(
        &line,
        &with(&[
            ("pod", s("ctx")),
            ("fields.level", s("web-1")),
            ("a\"\n", Expected::U64(2)),
        ]),
    );
    let line = log(&PLAIN, &[Field::new("msg", &web)]);
    assert_line(
        &line,
        &with(&[("pod", s("ctx")), ("fields.msg", s("web-1"))]),
    );
    // The call site's keys, which are not plain.
    let line = log(
        &HOSTILE,
        &[Field::new("a \"b\"\n", &web), Field::new("level", &two)],
    );
    assert_line(
        &line,
        &with(&[
            ("pod", s("ctx")),
            ("a \"b\"\n", s("web-1")),
            ("fields.level", Expected::U64(2)),
        ]),
    );
    // A key given twice: the last value, once.
    let line = log(&TWICE, &[Field::new("pod", &web), Field::new("pod", &two)]);
    assert_line(&line, &with(&[("pod", Expected::U64(2))]));
}

/// A call with more fields than a call site checks at compile time is
/// written all the same, each key checked as it is written.
#[test]
fn a_call_with_many_fields_is_written_whole() {
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    ctxtrace::info!(ctx, "m";
        k0 = 0, k1 = 1, k2 = 2, k3 = 3, k4 = 4, k5 = 5, k6 = 6, k7 = 7, k8 = 8, k9 = 9,
        k10 = 10, k11 = 11, k12 = 12, k13 = 13, k14 = 14, k15 = 15, k16 = 16, k17 = 17,
        k18 = 18, k19 = 19, k20 = 20, k21 = 21, k22 = 22, k23 = 23, k24 = 24, k25 = 25,
        k26 = 26, k27 = 27, k28 = 28, k29 = 29, k30 = 30, k31 = 31, k32 = 32, level = 33);
    let keys: Vec<String> = (0..33).map(|i| format!("k{i}")).collect();
    let mut want = vec![("level", s("info")), ("target", s("json")), ("msg", s("m"))];
    want.extend(
        keys.iter()
            .zip(0..)
            .map(|(k, i)| (k.as_str(), Expected::U64(i))),
    );
    want.push(("fields.level", Expected::U64(33)));
    assert_line(&out.line(), &want);
}
