//! `TextLogger`: every entry is one logfmt line, with no raw control or
//! hidden character, that a small logfmt reader reads back to the exact
//! message and values; keys are sanitised and cannot forge a fixed key.
#![cfg(feature = "std")]

mod support;

use std::io;
use std::net::Ipv4Addr;

use ctxtrace::{
    Callsite, Ctx, Field, Level, ManualClock, MemoryTracer, NopTracer, Redacted, Span, SpanIds,
    TextLogger, Tracer,
};
use proptest::prelude::*;
use support::{
    Capture, CharByChar, Expected, TextError, Val, any_fields, assert_text_value, hostile_string,
    hostile_strings, is_hidden, leak, logfmt, logfmt_value, merged_fields, text_key,
};

/// 2026-11-24T10:00:00.123456789Z
const NOV_24: u64 = 1_795_514_400_123_456_789;

fn logger() -> (TextLogger<Capture, ManualClock>, Capture) {
    let capture = Capture::new();
    (
        TextLogger::with_clock(capture.clone(), ManualClock::new(NOV_24)).without_time(),
        capture,
    )
}

fn s(text: &str) -> Expected {
    Expected::Str(text.to_owned())
}

/// Asserts that `line` holds no raw control or hidden character, and reads
/// back as exactly `expected`, in order.
fn assert_line(line: &str, expected: &[(&str, Expected)]) {
    for c in line.chars() {
        assert!(
            !is_hidden(c),
            "raw {c:?} (U+{:04X}) in {line:?}",
            u32::from(c)
        );
    }
    let pairs = logfmt(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    let want: Vec<&str> = expected.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, want, "in {line:?}");
    for ((_, got), (_, value)) in pairs.iter().zip(expected) {
        assert_text_value(got, value);
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
            assert_line(line, &[("level", s(level)), ("msg", s(&text))]);
        }
    }
}

#[test]
fn literal_messages_are_quoted_and_escaped_too() {
    // A message without arguments takes the `as_str` path.
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    ctxtrace::info!(
        ctx,
        "q\" b\\ nl\n cr\r tab\t nul\0 esc\x1b del\x7f nel\u{85} ls\u{2028} rlo\u{202e} bom\u{feff} 🦀"
    );
    ctxtrace::info!(ctx, "x level=error msg=forged");
    ctxtrace::info!(ctx, "");
    ctxtrace::info!(ctx, "bare");
    let lines = out.lines();
    assert_eq!(lines.len(), 4);
    let first = "q\" b\\ nl\n cr\r tab\t nul\0 esc\x1b del\x7f nel\u{85} ls\u{2028} rlo\u{202e} bom\u{feff} 🦀";
    assert_line(&lines[0], &[("level", s("info")), ("msg", s(first))]);
    assert_eq!(
        lines[0],
        r#"level=info msg="q\" b\\ nl\n cr\r tab\t nul\u{0} esc\u{1b} del\u{7f} nel\u{85} ls\u{2028} rlo\u{202e} bom\u{feff} 🦀""#
    );
    assert_eq!(lines[1], r#"level=info msg="x level=error msg=forged""#);
    assert_eq!(lines[2], r#"level=info msg="""#);
    assert_eq!(lines[3], "level=info msg=bare");
}

#[test]
fn plain_values_stay_bare() {
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    ctxtrace::info!(ctx, "synced"; pod = "web-1", n = -3, f = 1.5, ok = true, e = "€🦀é", path = "/a/b:c@d");
    assert_eq!(
        out.line(),
        "level=info msg=synced pod=web-1 n=-3 f=1.5 ok=true e=€🦀é path=/a/b:c@d"
    );
}

#[test]
fn values_that_could_break_the_line_are_quoted() {
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    ctxtrace::info!(ctx, "m";
        empty = "", space = "a b", eq = "a=b", quote = "say \"hi\"", backslash = "a\\b",
        forged = "x\nlevel=error", nbsp_is_fine = "a\u{a0}b", zwsp = "a\u{200b}b");
    assert_eq!(
        out.line(),
        concat!(
            r#"level=info msg=m empty="" space="a b" eq="a=b" quote="say \"hi\"" backslash="a\\b" "#,
            r#"forged="x\nlevel=error" nbsp_is_fine=a"#,
            "\u{a0}",
            r#"b zwsp="a\u{200b}b""#
        )
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
        let (ctx, mut span) = Ctx::new(NopTracer, logger).start_span("sync_pod");
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
                ("method", s("sync_pod")),
                ("msg", s(&text)),
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
        let (ctx, mut span) = Ctx::new(tracer.clone(), logger).start_span("sync_pod");
        let ctx = span.with_field(&ctx, "v", text.as_str());
        ctxtrace::info!(ctx, "{}", text);
        span.end();

        let spans = tracer.spans();
        let record = spans.find("sync_pod").unwrap();
        assert_eq!(
            record
                .attribute("v")
                .and_then(|v| v.as_str().map(str::to_owned)),
            Some(text.clone())
        );
        let (trace_id, span_id) = ids_hex(record.ids());
        assert_line(
            &out.line(),
            &[
                ("level", s("info")),
                ("method", s("sync_pod")),
                ("trace_id", s(&trace_id)),
                ("span_id", s(&span_id)),
                ("msg", s(&text)),
                ("v", s(&text)),
            ],
        );
    }
}

#[test]
fn keys_are_sanitised_as_documented() {
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger)
        .with_field("a b", 1)
        .with_field("", 2);
    ctxtrace::info!(ctx, "m";
        "a=b" = 3, "q\"k" = 4, "é" = 5, "🦀x" = 6, "new\nline" = 7, "k8s.pod/x@y:z-1_A" = 8, "\u{2028}" = 9);
    let line = out.line();
    assert_eq!(
        line,
        "level=info msg=m a%20b=1 %=2 a%3Db=3 q%22k=4 %C3%A9=5 %F0%9F%A6%80x=6 new%0Aline=7 k8s.pod/x@y:z-1_A=8 %E2%80%A8=9"
    );
    assert_line(
        &line,
        &[
            ("level", s("info")),
            ("msg", s("m")),
            ("a%20b", Expected::U64(1)),
            ("%", Expected::U64(2)),
            ("a%3Db", Expected::U64(3)),
            ("q%22k", Expected::U64(4)),
            ("%C3%A9", Expected::U64(5)),
            ("%F0%9F%A6%80x", Expected::U64(6)),
            ("new%0Aline", Expected::U64(7)),
            ("k8s.pod/x@y:z-1_A", Expected::U64(8)),
            ("%E2%80%A8", Expected::U64(9)),
        ],
    );
}

#[test]
fn reserved_keys_become_fields_dot_key_and_forge_nothing() {
    let capture = Capture::new();
    let logger = TextLogger::with_clock(capture.clone(), ManualClock::new(NOV_24)).with_target();
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let root = Ctx::new(tracer.clone(), logger)
        .with_field("level", "error")
        .with_field("time", "0");
    let (ctx, mut span) = root.start_span("real_method");
    let ctx = span.with_field(&ctx, "method", "forged_method");
    ctxtrace::info!(ctx, "real";
        msg = "forged", target = "forged", trace_id = "ffff", span_id = "eeee", "Level" = "case matters");
    span.end();

    let (trace_id, span_id) = ids_hex(tracer.spans().find("real_method").unwrap().ids());
    assert_line(
        &capture.line(),
        &[
            ("time", s("2026-11-24T10:00:00.123456789Z")),
            ("level", s("info")),
            ("target", s("text")),
            ("method", s("real_method")),
            ("trace_id", s(&trace_id)),
            ("span_id", s(&span_id)),
            ("msg", s("real")),
            ("fields.level", s("error")),
            ("fields.time", s("0")),
            ("fields.method", s("forged_method")),
            ("fields.msg", s("forged")),
            ("fields.target", s("forged")),
            ("fields.trace_id", s("ffff")),
            ("fields.span_id", s("eeee")),
            ("Level", s("case matters")),
        ],
    );
}

mod podlib {
    /// Logs from a module of its own, so the target is `text::podlib`.
    pub fn sync(ctx: &ctxtrace::Ctx<impl ctxtrace::Tracer, impl ctxtrace::Logger>) {
        ctxtrace::info!(ctx, "from a module");
    }
}

#[test]
fn with_target_the_target_follows_the_level_and_without_it_there_is_none() {
    let capture = Capture::new();
    let targeted = TextLogger::with_clock(capture.clone(), ManualClock::new(NOV_24))
        .without_time()
        .with_target();
    let (ctx, _span) = Ctx::new(NopTracer, targeted).start_span("sync_pod");
    ctxtrace::info!(ctx, "here");
    podlib::sync(&ctx);
    ctxtrace::warn!(ctx, target: "podlib::pull", "named"; attempt = 2);
    // No call site, no target.
    ctx.log(Level::Error, format_args!("bare"), &[]);
    assert_eq!(
        capture.lines(),
        [
            "level=info target=text method=sync_pod msg=here",
            "level=info target=text::podlib method=sync_pod msg=\"from a module\"",
            "level=warn target=podlib::pull method=sync_pod msg=named attempt=2",
            "level=error method=sync_pod msg=bare",
        ]
    );

    // Off by default, and a field named `target` is renamed either way.
    let (logger, out) = logger();
    ctxtrace::info!(Ctx::new(NopTracer, logger), target: "podlib", "m"; target = "entry");
    assert_eq!(out.line(), "level=info msg=m fields.target=entry");
}

#[test]
fn hostile_targets_are_quoted_and_read_back_exactly() {
    for text in hostile_strings() {
        let capture = Capture::new();
        let logger = TextLogger::new(capture.clone())
            .without_time()
            .with_target();
        let site = ctxtrace::Callsite::new(&text, "src/dep.rs", 3);
        Ctx::new(NopTracer, logger).log_at(&site, Level::Info, format_args!("m"), &[]);
        let line = capture.line();
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
fn keys_are_not_repeated_and_an_entrys_field_wins() {
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger)
        .with_field("a", 1)
        .with_field("level", "ctx")
        .with_field("a", 3);
    ctxtrace::info!(ctx, "m");
    ctxtrace::info!(ctx, "m"; level = "entry", b = 2);
    assert_eq!(
        out.lines(),
        [
            "level=info msg=m fields.level=ctx a=3",
            "level=info msg=m a=3 fields.level=entry b=2",
        ]
    );
}

#[test]
fn keys_that_sanitise_to_a_fixed_key_cannot_forge_it() {
    // `trace id` is not a fixed key, and its space is written `%20`, so it
    // cannot become `trace_id`.
    let capture = Capture::new();
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let (ctx, span) = Ctx::new(
        tracer.clone(),
        TextLogger::new(capture.clone()).without_time(),
    )
    .start_span("real");
    let ctx = ctx
        .with_field("trace id", "forged-trace")
        .with_field("span=id", "forged-span");
    ctxtrace::info!(ctx, "m"; "msg\"" = "forged-msg", "level " = "error", "method\n" = "forged", "time\u{0}" = "0");
    let (trace_id, span_id) = ids_hex(ctx.span_ids().unwrap());
    drop(span);
    let line = capture.line();
    assert_eq!(
        line,
        format!(
            "level=info method=real trace_id={trace_id} span_id={span_id} msg=m trace%20id=forged-trace \
             span%3Did=forged-span msg%22=forged-msg level%20=error method%0A=forged time%00=0"
        )
    );
    let pairs = logfmt(&line).unwrap();
    assert_eq!(logfmt_value(&pairs, "trace_id"), trace_id);
    assert_eq!(logfmt_value(&pairs, "span_id"), span_id);
    assert_eq!(logfmt_value(&pairs, "level"), "info");
}

#[test]
fn keys_come_in_the_documented_order() {
    let capture = Capture::new();
    let logger = TextLogger::with_clock(capture.clone(), ManualClock::new(NOV_24));
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let root = Ctx::new(tracer.clone(), logger).with_field("zone", "a");
    let (ctx, mut span) = root.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", "web-1");
    ctxtrace::info!(ctx, "synced pod"; attempt = 2, alpha = true);
    span.end();

    let (trace_id, span_id) = ids_hex(tracer.spans().find("sync_pod").unwrap().ids());
    assert_eq!(
        capture.line(),
        format!(
            "time=2026-11-24T10:00:00.123456789Z level=info method=sync_pod trace_id={trace_id} span_id={span_id} \
             msg=\"synced pod\" zone=a pod=web-1 attempt=2 alpha=true"
        )
    );
}

#[test]
fn time_is_rfc_3339_utc_with_nanoseconds() {
    let capture = Capture::new();
    let clock = ManualClock::new(0);
    let ctx = Ctx::new(
        NopTracer,
        TextLogger::with_clock(capture.clone(), clock.clone()),
    );
    ctxtrace::info!(ctx, "a");
    clock.set(NOV_24);
    ctxtrace::info!(ctx, "b");
    clock.set(u64::MAX);
    ctxtrace::info!(ctx, "c");
    assert_eq!(
        capture.lines(),
        [
            "time=1970-01-01T00:00:00.000000000Z level=info msg=a",
            "time=2026-11-24T10:00:00.123456789Z level=info msg=b",
            "time=2554-07-21T23:34:33.709551615Z level=info msg=c",
        ]
    );
}

#[test]
fn numbers_and_bools_are_written_exactly() {
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    ctxtrace::info!(ctx, "n"; min = i64::MIN, umax = u64::MAX, big = u128::MAX, yes = true, no = false);
    assert_eq!(
        out.line(),
        format!(
            "level=info msg=n min={} umax={} big={} yes=true no=false",
            i64::MIN,
            u64::MAX,
            u128::MAX
        )
    );
}

#[test]
fn floats_read_back_bit_exact() {
    let floats = [
        0.0,
        -0.0,
        0.1,
        1e-7,
        1e16,
        f64::MIN_POSITIVE / 3.0,
        f64::from_bits(1),
        f64::MAX,
        f64::MIN,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    for n in floats {
        ctxtrace::info!(ctx, "f"; v = n);
    }
    let lines = out.lines();
    assert_eq!(lines.len(), floats.len());
    for (line, n) in lines.iter().zip(floats) {
        assert_line(
            line,
            &[
                ("level", s("info")),
                ("msg", s("f")),
                ("v", Expected::F64(n)),
            ],
        );
    }
    let values: Vec<String> = lines
        .iter()
        .map(|l| logfmt_value(&logfmt(l).unwrap(), "v").to_owned())
        .collect();
    assert_eq!(values[1], "-0.0");
    assert_eq!(values[6], "5e-324");
    assert_eq!(&values[9..], ["NaN", "inf", "-inf"]);
}

#[test]
fn display_values_errors_and_secrets_are_text() {
    let (logger, out) = logger();
    let addr = Ipv4Addr::new(10, 0, 0, 7);
    let io_err = io::Error::new(io::ErrorKind::NotFound, "image \"v2\" not found");
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    let root = Ctx::new(tracer.clone(), logger).with_field("addr", ctxtrace::display(&addr));
    let (ctx, mut span) = root.start_span("login");
    let ctx = span.with_field(&ctx, "token", Redacted("span-secret"));
    ctxtrace::info!(ctx, "m"; io = io_err, c = 'x', key = Redacted("entry-secret"));
    let (trace_id, span_id) = ids_hex(ctx.span_ids().unwrap());
    drop(span);
    assert_eq!(
        out.line(),
        format!(
            "level=info method=login trace_id={trace_id} span_id={span_id} msg=m addr=10.0.0.7 token=[redacted] \
             io=\"image \\\"v2\\\" not found\" c=x key=[redacted]"
        )
    );
}

#[test]
fn ids_are_absent_without_a_span_or_with_the_nop_tracer() {
    let (logger, out) = logger();
    let tracer = MemoryTracer::with_clock(ManualClock::new(0));
    ctxtrace::info!(Ctx::new(tracer, logger.clone()), "root");
    let (ctx, _span) = Ctx::new(NopTracer, logger).start_span("nop");
    ctxtrace::info!(ctx, "under nop");
    assert_eq!(
        out.lines(),
        [
            "level=info msg=root",
            "level=info method=nop msg=\"under nop\""
        ]
    );
}

#[test]
fn the_span_name_is_quoted_when_it_needs_to_be() {
    let (logger, out) = logger();
    let (ctx, _span) = Ctx::new(NopTracer, logger).start_span("sync pod=x");
    ctxtrace::info!(ctx, "m");
    assert_line(
        &out.line(),
        &[
            ("level", s("info")),
            ("method", s("sync pod=x")),
            ("msg", s("m")),
        ],
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
        ("method".to_owned(), s("prop")),
    ];
    if let Some(ids) = ctx.span_ids() {
        let (trace_id, span_id) = ids_hex(ids);
        expected.push(("trace_id".to_owned(), Expected::Str(trace_id)));
        expected.push(("span_id".to_owned(), Expected::Str(span_id)));
    }
    expected.push(("msg".to_owned(), s(msg)));
    let ctx_and_span: Vec<_> = ctx_fields.iter().chain(span_fields).cloned().collect();
    for (key, value) in merged_fields(&ctx_and_span, entry_fields) {
        expected.push((text_key(key), value.expected()));
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
        prop_assert!(line.contains(" trace_id="));
        check_case(&line, &expected);
    }
}

#[test]
fn hostile_span_names_are_quoted_in_the_method() {
    for name in hostile_strings() {
        // `start_span` takes a `&'static str`.
        let name = leak(&name);
        let (logger, out) = logger();
        let (ctx, _span) = Ctx::new(NopTracer, logger).start_span(name);
        ctxtrace::info!(ctx, "m");
        assert_line(
            &out.line(),
            &[("level", s("info")), ("method", s(name)), ("msg", s("m"))],
        );
    }
}

/// A call site's keys ([`Callsite::with_keys`]) are written as they are only
/// when the record's fields have those very keys and each is plain.
#[test]
fn a_call_sites_keys_are_trusted_only_for_fields_with_those_keys() {
    static PLAIN: Callsite<'static> = Callsite::new("text", "", 0).with_keys(&["pod", "attempt"]);
    static HOSTILE: Callsite<'static> = Callsite::new("text", "", 0).with_keys(&["a b", "level"]);
    let (logger, out) = logger();
    let ctx = Ctx::new(NopTracer, logger);
    let log = |site: &Callsite<'_>, fields: &[Field<'_>]| {
        out.clear();
        ctx.log_at(site, Level::Info, format_args!("m"), fields);
        out.line()
    };
    let (web, two) = ("web-1", 2);
    assert_eq!(
        log(
            &PLAIN,
            &[Field::new("pod", &web), Field::new("attempt", &two)]
        ),
        "level=info msg=m pod=web-1 attempt=2"
    );
    assert_eq!(
        log(
            &PLAIN,
            &[Field::new("level", &web), Field::new("a=b", &two)]
        ),
        "level=info msg=m fields.level=web-1 a%3Db=2"
    );
    assert_eq!(
        log(
            &HOSTILE,
            &[Field::new("a b", &web), Field::new("level", &two)]
        ),
        "level=info msg=m a%20b=web-1 fields.level=2"
    );
}
