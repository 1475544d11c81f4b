//! Hostile input: whatever strings, `Display` output, keys, floats and
//! integers an entry carries, `JsonLogger` and `TextLogger` write exactly one
//! line for it, and that line parses back to exactly what was logged.
//!
//! The properties run 10,000 cases each (or `PROPTEST_CASES`), 8 under miri.
//! Failures found by proptest or by the fuzz targets in `fuzz/` are kept at
//! the bottom as plain tests with their input inlined.

#![cfg(feature = "std")]

use std::error::Error;
use std::fmt;

use ctxtrace::{
    Callsite, Ctx, Field, Ids, JsonLogger, Level, ManualClock, MemoryTracer, TextLogger, ToValue,
    Value,
};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::json;

#[path = "support/fields.rs"]
mod fields;
#[path = "support/json.rs"]
mod json;
#[path = "support/leak.rs"]
mod leak;
use leak::leak;
#[path = "support/logfmt.rs"]
mod logfmt;

/// 10,000 cases unless `PROPTEST_CASES` says otherwise; 8 under miri. No
/// failure files: a failure is kept as a test at the bottom of this file.
fn config() -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 10_000;
    }
    if cfg!(miri) {
        config.cases = 8;
    }
    config.failure_persistence = None;
    config
}

// ---------------------------------------------------------------------------
// Inputs

/// Characters that break naive escaping, line splitting or UTF-8 handling.
const HOSTILE: &[char] = &[
    '"',
    '\\',
    '\n',
    '\r',
    '\t',
    '=',
    ' ',
    '\0',
    '\u{8}',
    '\u{b}',
    '\u{c}',
    '\u{1b}',
    '\u{7f}',
    '\u{85}',
    '\u{a0}',
    '\u{ad}',
    '\u{61c}',
    '\u{180e}',
    '\u{200b}',
    '\u{200f}',
    '\u{2027}',
    '\u{2028}',
    '\u{2029}',
    '\u{202a}',
    '\u{202e}',
    '\u{2060}',
    '\u{206f}',
    '\u{feff}',
    '\u{fff9}',
    '\u{fffd}',
    '\u{20ac}',
    '\u{10ffff}',
    '🦀',
    '{',
    '}',
    ':',
    ',',
    '[',
    ']',
    'u',
    '/',
    '.',
    '_',
    '-',
    '@',
];

/// Keys that the documented rules treat specially.
const TRICKY_KEYS: &[&str] = &[
    "",
    " ",
    "a b",
    "a=b",
    "\"q\"",
    "\n",
    "é",
    "time",
    "level",
    "target",
    "msg",
    "method",
    "trace_id",
    "span_id",
    "trace id",
    "span=id",
    "fields.level",
    "fields.fields.level",
    "fields.",
    "a_b",
    "a%20b",
    "%",
    "k8s.pod/name@x:y-z",
    "_",
];

/// Asserts that no key of a line is written twice.
fn assert_unique_keys<'a>(keys: impl IntoIterator<Item = &'a str>, line: &str) {
    let mut seen = std::collections::HashSet::new();
    for key in keys {
        assert!(seen.insert(key), "key {key:?} written twice: {line}");
    }
}

/// A char from a `u32`: 3 in 8 from [`HOSTILE`], 2 in 8 ASCII, the rest any
/// Unicode scalar value. One integer per char keeps generation cheap
/// (10,000 cases in a debug build), and shrinks towards `"`.
fn hostile_char(n: u32) -> char {
    let pick = n >> 3;
    match n % 8 {
        0..=2 => HOSTILE[pick as usize % HOSTILE.len()],
        3 | 4 => char::from(pick as u8 & 0x7f),
        _ => char::from_u32(pick % 0x11_0000).unwrap_or('\u{fffd}'),
    }
}

fn hostile_string() -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<u32>(), 0..24)
        .prop_map(|ns| ns.into_iter().map(hostile_char).collect())
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        hostile_string(),
        proptest::sample::select(TRICKY_KEYS).prop_map(String::from),
    ]
}

/// A `Display` that writes its text in several pieces, cut at `cuts` (taken
/// modulo the length, on char boundaries), so escaping is exercised across
/// `write_str` calls.
#[derive(Clone, Debug)]
struct Pieces {
    text: String,
    cuts: Vec<usize>,
}

impl fmt::Display for Pieces {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut cuts: Vec<usize> = self
            .cuts
            .iter()
            .map(|c| c % (self.text.len() + 1))
            .filter(|&c| self.text.is_char_boundary(c))
            .collect();
        cuts.sort_unstable();
        let mut start = 0;
        for cut in cuts {
            f.write_str(&self.text[start..cut])?;
            start = cut;
        }
        f.write_str(&self.text[start..])
    }
}

fn pieces() -> impl Strategy<Value = Pieces> {
    (
        hostile_string(),
        proptest::collection::vec(any::<usize>(), 0..4),
    )
        .prop_map(|(text, cuts)| Pieces { text, cuts })
}

/// An error whose `Display` is a given string.
#[derive(Clone, Debug)]
struct StrError(String);

impl fmt::Display for StrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for StrError {}

/// A field value, owned by the test case.
#[derive(Clone, Debug)]
enum Val {
    Str(String),
    Display(Pieces),
    Error(StrError),
    I64(i64),
    U64(u64),
    /// Through `ToValue for i128`: an `I128`, a JSON number when it fits in
    /// 64 bits, else a string.
    Big(i128),
    F64(f64),
    Bool(bool),
}

impl Val {
    fn value(&self) -> Value<'_> {
        match self {
            Val::Str(s) => Value::Str(s),
            Val::Display(p) => Value::Display(p),
            Val::Error(e) => Value::Error(e),
            Val::I64(n) => Value::I64(*n),
            Val::U64(n) => Value::U64(*n),
            Val::Big(n) => n.to_value(),
            Val::F64(n) => Value::F64(*n),
            Val::Bool(b) => Value::Bool(*b),
        }
    }

    /// What a JSON line holds for it. Floats are checked apart, from the
    /// raw text, since `serde_json` parses floats only approximately.
    fn json(&self) -> serde_json::Value {
        match self {
            Val::Str(s) => json!(s),
            Val::Display(p) => json!(p.text),
            Val::Error(e) => json!(e.0),
            Val::I64(n) => json!(n),
            Val::U64(n) => json!(n),
            Val::Big(n) => match i64::try_from(*n) {
                Ok(n) => json!(n),
                Err(_) => json!(n.to_string()),
            },
            Val::F64(_) => unreachable!("floats have their own property"),
            Val::Bool(b) => json!(b),
        }
    }

    /// What a logfmt line holds for it, unescaped.
    fn text(&self) -> String {
        match self {
            Val::Str(s) => s.clone(),
            Val::Display(p) => p.text.clone(),
            Val::Error(e) => e.0.clone(),
            Val::I64(n) => n.to_string(),
            Val::U64(n) => n.to_string(),
            Val::Big(n) => n.to_string(),
            Val::F64(n) => format!("{n:?}"),
            Val::Bool(b) => b.to_string(),
        }
    }

    /// What the memory recorder keeps for it.
    fn check_kept(&self, kept: Value<'_>) {
        match (self, kept) {
            (Val::F64(a), Value::F64(b)) => assert_eq!(a.to_bits(), b.to_bits()),
            (Val::I64(a), Value::I64(b)) => assert_eq!(*a, b),
            (Val::U64(a), Value::U64(b)) => assert_eq!(*a, b),
            (Val::Bool(a), Value::Bool(b)) => assert_eq!(*a, b),
            (Val::Big(a), Value::I128(b)) => assert_eq!(a, b),
            (val, Value::Str(s))
                if !matches!(val, Val::F64(_) | Val::I64(_) | Val::U64(_) | Val::Bool(_)) =>
            {
                assert_eq!(val.text(), s)
            }
            (val, kept) => panic!("{val:?} kept as {kept:?}"),
        }
    }
}

fn val() -> BoxedStrategy<Val> {
    prop_oneof![
        4 => hostile_string().prop_map(Val::Str),
        2 => pieces().prop_map(Val::Display),
        1 => hostile_string().prop_map(|s| Val::Error(StrError(s))),
        1 => any::<i64>().prop_map(Val::I64),
        1 => any::<u64>().prop_map(Val::U64),
        1 => any::<i128>().prop_map(Val::Big),
        1 => any::<bool>().prop_map(Val::Bool),
    ]
    .boxed()
}

fn val_or_float() -> BoxedStrategy<Val> {
    prop_oneof![
        8 => val(),
        1 => proptest::num::f64::ANY.prop_map(Val::F64),
    ]
    .boxed()
}

/// One entry: its level, message, the fields added to the `Ctx` before it,
/// its own fields, whether it is logged under a span, and the clock's time.
#[derive(Clone, Debug)]
struct Entry {
    level: Level,
    /// The call site's target: empty (no `target` key), plain, or hostile,
    /// as a bridge from another logging system may pass any string.
    target: String,
    message: Pieces,
    ctx_fields: Vec<(String, Val)>,
    fields: Vec<(String, Val)>,
    under_span: bool,
    time: Option<u64>,
}

fn entry(val: fn() -> BoxedStrategy<Val>) -> impl Strategy<Value = Entry> {
    let fields = move || proptest::collection::vec((key(), val()), 0..5);
    let target = prop_oneof![
        Just(String::new()),
        proptest::sample::select(&["podlib::sync", "a b", "target"][..]).prop_map(String::from),
        hostile_string(),
    ];
    (
        proptest::sample::select(&Level::ALL[..]),
        target,
        pieces(),
        fields(),
        fields(),
        any::<bool>(),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(
            |(level, target, message, ctx_fields, fields, under_span, time)| Entry {
                level,
                target,
                message,
                ctx_fields,
                fields,
                under_span,
                time,
            },
        )
}

// ---------------------------------------------------------------------------
// Logging an entry and reading it back

/// Logs `entry` through a `Ctx` with a memory tracer and `logger`, and checks
/// what the tracer kept when the entry was logged under a span: the same
/// fields as the line, the `Ctx`'s included, each key once.
fn log_entry<L: ctxtrace::Logger>(logger: L, entry: &Entry) {
    let tracer = MemoryTracer::with_clock(ManualClock::new(0))
        .with_ids(Ids::Sequential)
        .with_event_level(ctxtrace::LevelFilter::Trace);
    let mut ctx = Ctx::new(tracer.clone(), logger);
    let span = entry.under_span.then(|| {
        let (child, span) = ctx.start_span("sync_pod");
        ctx = child;
        span
    });
    for (key, val) in &entry.ctx_fields {
        ctx = ctx.with_field(leak(key), val.value());
    }
    let fields: Vec<Field<'_>> = entry
        .fields
        .iter()
        .map(|(key, val)| Field {
            key: leak(key),
            value: val.value(),
        })
        .collect();
    let site = Callsite::new(&entry.target, "", 0);
    ctx.log_at(
        &site,
        entry.level,
        format_args!("{}", entry.message),
        &fields,
    );
    drop((ctx, span));

    let spans = tracer.spans();
    if let Some(span) = spans.find("sync_pod") {
        let event = span
            .events()
            .next()
            .expect("the entry is an event on its span");
        assert_eq!(event.level(), entry.level);
        assert_eq!(event.target(), entry.target);
        assert_eq!(event.message(), entry.message.text);
        let kept: Vec<_> = event.fields().collect();
        let want = written(entry);
        assert_eq!(kept.len(), want.len());
        for ((key, val), (kept_key, kept_value)) in want.into_iter().zip(kept) {
            assert_eq!(key, kept_key);
            val.check_kept(kept_value);
        }
    }
}

/// The one line of `out`, without its newline.
fn one_line(out: &[u8]) -> &str {
    let out = std::str::from_utf8(out).expect("lines are UTF-8");
    let line = out
        .strip_suffix('\n')
        .unwrap_or_else(|| panic!("no final newline: {out:?}"));
    assert!(!line.contains('\n'), "more than one line: {out:?}");
    line
}

/// The RFC 3339 text for `nanos`, by counting days, independently of the
/// writer's civil-from-days arithmetic.
fn rfc3339(nanos: u64) -> String {
    let secs = nanos / 1_000_000_000;
    let mut days = secs / 86_400;
    let leap = |y: u64| y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let mut year = 1970;
    while days >= if leap(year) { 366 } else { 365 } {
        days -= if leap(year) { 366 } else { 365 };
        year += 1;
    }
    let lengths = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut month = 0;
    while days >= lengths[month] {
        days -= lengths[month];
        month += 1;
    }
    let rem = secs % 86_400;
    format!(
        "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        month + 1,
        days + 1,
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        nanos % 1_000_000_000
    )
}

const TRACE_HEX: &str = "00000000000000000000000000000001";
const SPAN_HEX: &str = "0000000000000001";

fn json_logger(time: Option<u64>) -> JsonLogger<Vec<u8>, ManualClock> {
    let logger = JsonLogger::with_clock(Vec::new(), ManualClock::new(time.unwrap_or(0)));
    if time.is_some() {
        logger
    } else {
        logger.without_time()
    }
}

fn text_logger(time: Option<u64>) -> TextLogger<Vec<u8>, ManualClock> {
    let logger = TextLogger::with_clock(Vec::new(), ManualClock::new(time.unwrap_or(0)));
    if time.is_some() {
        logger
    } else {
        logger.without_time()
    }
}

/// The fields after the fixed keys, by the documented rule (a `Ctx` key
/// set again replaces the earlier value; an entry's own field replaces a
/// `Ctx` field with the same key).
fn written(entry: &Entry) -> Vec<(&str, &Val)> {
    let ctx: Vec<(&str, &Val)> = entry
        .ctx_fields
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let own: Vec<(&str, &Val)> = entry.fields.iter().map(|(k, v)| (k.as_str(), v)).collect();
    fields::written(&ctx, &own)
}

fn check_json(entry: Entry) {
    let logger = json_logger(entry.time);
    log_entry(logger.clone(), &entry);
    assert_eq!((logger.lines(), logger.errors()), (1, 0));
    let out = logger.into_writer().unwrap();
    let line = one_line(&out);
    assert!(
        !line
            .chars()
            .any(|c| matches!(c, '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}')),
        "raw C1 control or line separator: {line:?}"
    );
    let parsed: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));

    let mut expected = Vec::new();
    if let Some(time) = entry.time {
        expected.push(("time".to_string(), json!(rfc3339(time))));
    }
    expected.push(("level".to_string(), json!(entry.level.as_str())));
    if !entry.target.is_empty() {
        expected.push(("target".to_string(), json!(entry.target)));
    }
    expected.push(("msg".to_string(), json!(entry.message.text)));
    if entry.under_span {
        expected.push(("method".to_string(), json!("sync_pod")));
        expected.push(("trace_id".to_string(), json!(TRACE_HEX)));
        expected.push(("span_id".to_string(), json!(SPAN_HEX)));
    }
    for (key, val) in written(&entry) {
        expected.push((json::written_key(key), val.json()));
    }
    // The keys, in order and with any repeats; then the values. Where the
    // entry itself repeats a key, `serde_json` keeps the last value.
    let keys = json::keys(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    assert_unique_keys(keys.iter().map(String::as_str), line);
    assert_eq!(
        keys,
        expected.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        "line: {line}"
    );
    let expected: serde_json::Map<String, serde_json::Value> = expected.into_iter().collect();
    assert_eq!(parsed, serde_json::Value::Object(expected), "line: {line}");
}

fn check_logfmt(entry: Entry) {
    let logger = text_logger(entry.time).with_target();
    log_entry(logger.clone(), &entry);
    assert_eq!((logger.lines(), logger.errors()), (1, 0));
    let out = logger.into_writer().unwrap();
    let line = one_line(&out);
    let parsed = logfmt::parse(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));

    let mut expected = Vec::new();
    if let Some(time) = entry.time {
        expected.push(("time".to_string(), rfc3339(time)));
    }
    expected.push(("level".to_string(), entry.level.as_str().to_string()));
    if !entry.target.is_empty() {
        expected.push(("target".to_string(), entry.target.clone()));
    }
    if entry.under_span {
        expected.push(("method".to_string(), "sync_pod".to_string()));
        expected.push(("trace_id".to_string(), TRACE_HEX.to_string()));
        expected.push(("span_id".to_string(), SPAN_HEX.to_string()));
    }
    expected.push(("msg".to_string(), entry.message.text.clone()));
    for (key, val) in written(&entry) {
        expected.push((logfmt::written_key(key), val.text()));
    }
    assert_unique_keys(parsed.iter().map(|(k, _)| k.as_str()), line);
    assert_eq!(parsed, expected, "line: {line}");
}

// ---------------------------------------------------------------------------
// Floats and integers

/// The raw text of the JSON value after `"key":`, up to the next `,` or `}`.
fn raw_json_number<'a>(line: &'a str, key: &str) -> &'a str {
    let start = line.find(&format!("\"{key}\":")).expect("key present") + key.len() + 3;
    let rest = &line[start..];
    &rest[..rest.find([',', '}']).expect("value ends")]
}

/// `n` as a `Ctx` field `c` and an entry field `x`, through both writers.
fn check_float(n: f64) {
    let json = json_logger(None);
    let text = text_logger(None);
    let ctx = Ctx::new(ctxtrace::NopTracer, (json.clone(), text.clone())).with_field("c", n);
    ctxtrace::info!(ctx, "f"; x = n);
    drop(ctx);
    let out = json.into_writer().unwrap();
    let line = one_line(&out);
    let parsed: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    for key in ["c", "x"] {
        let raw = raw_json_number(line, key);
        if n.is_finite() {
            assert!(parsed[key].is_number(), "{line}");
            assert_eq!(raw.parse::<f64>().unwrap().to_bits(), n.to_bits(), "{line}");
        } else {
            assert_eq!(parsed[key], json!(n.to_string()), "{line}");
            assert!(["\"NaN\"", "\"inf\"", "\"-inf\""].contains(&raw), "{line}");
        }
    }

    let out = text.into_writer().unwrap();
    let line = one_line(&out);
    let parsed = logfmt::parse(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    assert_eq!(
        parsed[2..],
        [
            ("c".into(), format!("{n:?}")),
            ("x".into(), format!("{n:?}"))
        ],
        "{line}"
    );
    let back: f64 = parsed[3].1.parse().unwrap();
    if n.is_nan() {
        assert!(back.is_nan());
    } else {
        assert_eq!(back.to_bits(), n.to_bits(), "{line}");
    }
}

/// An integer as an entry field through both writers: a JSON number with
/// the same value when it fits `i64`/`u64`, its decimal string otherwise;
/// bare decimal digits in logfmt.
fn check_integer<T: ToValue + fmt::Display>(n: T) {
    let json = json_logger(None);
    let text = text_logger(None);
    ctxtrace::info!(Ctx::new(ctxtrace::NopTracer, (json.clone(), text.clone())), "n"; n = n);
    let out = json.into_writer().unwrap();
    let line = one_line(&out);
    let parsed: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    // A number within 64 bits, else its decimal string.
    let expected = match n.to_value() {
        Value::I64(n) => json!(n),
        Value::U64(n) => json!(n),
        Value::I128(&n) => i64::try_from(n).map_or_else(|_| json!(n.to_string()), |n| json!(n)),
        Value::U128(&n) => u64::try_from(n).map_or_else(|_| json!(n.to_string()), |n| json!(n)),
        other => panic!("{other:?} is not an integer"),
    };
    assert_eq!(parsed["n"], expected, "{line}");
    let out = text.into_writer().unwrap();
    let parsed = logfmt::parse(one_line(&out)).unwrap();
    assert_eq!(parsed[2], ("n".to_string(), n.to_string()));
}

// ---------------------------------------------------------------------------
// The properties

proptest! {
    #![proptest_config(config())]

    /// Any message, `Display` output, string, key and integer: one JSON line
    /// that `serde_json` parses back to exactly the entry, keys in order.
    #[test]
    fn json_line_parses_back_to_the_entry(entry in entry(val)) {
        check_json(entry);
    }

    /// The same for logfmt, field order and repeated keys included, with
    /// floats written as their `Debug` text.
    #[test]
    fn logfmt_line_parses_back_to_the_entry(entry in entry(val_or_float)) {
        check_logfmt(entry);
    }

    /// Any `f64` bit pattern (NaN, ±inf, subnormals, -0.0): valid JSON, a
    /// finite float reads back bit for bit; logfmt holds its `Debug` text.
    #[test]
    fn any_float_is_valid_and_round_trips(n in proptest::num::f64::ANY) {
        check_float(n);
    }

    /// Any integer of each width, through `ToValue`.
    #[test]
    fn any_integer_is_valid_and_exact(a in any::<i64>(), b in any::<u64>(), c in any::<i128>(), d in any::<u128>()) {
        check_integer(a);
        check_integer(b);
        check_integer(c);
        check_integer(d);
    }
}

// ---------------------------------------------------------------------------
// Fixed cases

#[test]
fn float_edge_cases() {
    for n in [
        0.0,
        -0.0,
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN,
        f64::MAX,
        f64::MIN_POSITIVE,
        f64::EPSILON,
        f64::from_bits(1),
        -f64::from_bits(1),
        f64::from_bits(0x000f_ffff_ffff_ffff),
        1e-7,
        1e16,
        0.1 + 0.2,
        f64::from(f32::MAX),
        f64::from(f32::MIN_POSITIVE),
    ] {
        check_float(n);
    }
}

#[test]
fn integer_extremes() {
    check_integer(0i64);
    check_integer(-1i64);
    check_integer(i64::MIN);
    check_integer(i64::MAX);
    check_integer(u64::MAX);
    check_integer(i8::MIN);
    check_integer(u8::MAX);
    check_integer(i32::MIN);
    check_integer(u32::MAX);
    check_integer(isize::MIN);
    check_integer(usize::MAX);
    check_integer(i128::MIN);
    check_integer(i128::MAX);
    check_integer(i128::from(i64::MIN) - 1);
    check_integer(i128::from(u64::MAX) + 1);
    check_integer(u128::MAX);
    check_integer(u128::from(u64::MAX));
}

/// JSON keys are escaped exactly; logfmt keys are sanitised: each char
/// outside `[A-Za-z0-9_.-/@:]` becomes `_`, and an empty key is `_`.
#[test]
fn keys_that_are_not_identifiers() {
    let json = json_logger(None);
    let text = text_logger(None);
    let ctx = Ctx::new(ctxtrace::NopTracer, (json.clone(), text.clone())).with_field("ctx key", 0);
    ctxtrace::info!(ctx, "k"; "a b" = 1, "a=b" = 2, "\"q\"" = 3, "" = 4, "é\n" = 5, "k8s.pod/name@x:y-z" = 6);
    drop(ctx);

    let out = json.into_writer().unwrap();
    assert_eq!(
        one_line(&out),
        r#"{"level":"info","target":"reliability_hostile","msg":"k","ctx key":0,"a b":1,"a=b":2,"\"q\"":3,"":4,"é\n":5,"k8s.pod/name@x:y-z":6}"#
    );
    let out = text.into_writer().unwrap();
    assert_eq!(
        one_line(&out),
        "level=info msg=k ctx%20key=0 a%20b=1 a%3Db=2 %22q%22=3 %=4 %C3%A9%0A=5 k8s.pod/name@x:y-z=6"
    );
}

/// A field can never pass for a fixed key: a fixed key is written
/// `fields.<key>`, and a logfmt key that needs sanitising is written with
/// `%XX` escapes, so `trace id` (`trace%20id`) cannot become `trace_id`.
/// Found by `logfmt_line_parses_back_to_the_entry` when sanitising wrote `_`.
#[test]
fn regression_sanitised_key_cannot_forge_a_fixed_key() {
    let text = text_logger(None);
    let json = json_logger(None);
    let (ctx, span) = Ctx::new(
        MemoryTracer::with_clock(ManualClock::new(0)).with_ids(Ids::Sequential),
        (json.clone(), text.clone()),
    )
    .start_span("real");
    ctxtrace::info!(ctx, "m"; "trace id" = "forged", "span=id" = "forged", "level" = "forged", "msg " = "x");
    drop((ctx, span));

    let out = text.into_writer().unwrap();
    let line = one_line(&out);
    let parsed = logfmt::parse(line).unwrap();
    let keys: Vec<&str> = parsed.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "level",
            "method",
            "trace_id",
            "span_id",
            "msg",
            "trace%20id",
            "span%3Did",
            "fields.level",
            "msg%20"
        ]
    );
    assert_eq!(parsed[2].1, TRACE_HEX);
    let out = json.into_writer().unwrap();
    let parsed: serde_json::Value = serde_json::from_str(one_line(&out)).unwrap();
    assert_eq!(parsed["trace_id"], TRACE_HEX);
    assert_eq!(parsed["trace id"], "forged");
    assert_eq!(parsed["fields.level"], "forged");
}

/// A key set on the `Ctx` again, or by the entry itself, is written once,
/// with the latest value. The minimal case `logfmt_line_parses_back_to_the_entry`
/// found when the writers started replacing repeated keys (ctx `a=b`, entry
/// `a=b`), kept as a fixed case.
#[test]
fn a_key_set_again_is_written_once() {
    let json = json_logger(None);
    let text = text_logger(None);
    let ctx = Ctx::new(ctxtrace::NopTracer, (json.clone(), text.clone()))
        .with_field("a=b", "1")
        .with_field("k", 1)
        .with_field("a=b", "2");
    ctxtrace::info!(ctx, "m"; k = 3);
    ctxtrace::info!(ctx, "n"; "a=b" = "");
    drop(ctx);
    let out = String::from_utf8(json.into_writer().unwrap()).unwrap();
    assert_eq!(
        out,
        "{\"level\":\"info\",\"target\":\"reliability_hostile\",\"msg\":\"m\",\"a=b\":\"2\",\"k\":3}\n{\"level\":\"info\",\"target\":\"reliability_hostile\",\"msg\":\"n\",\"k\":1,\"a=b\":\"\"}\n"
    );
    let out = String::from_utf8(text.into_writer().unwrap()).unwrap();
    assert_eq!(
        out,
        "level=info msg=m a%3Db=2 k=3\nlevel=info msg=n k=1 a%3Db=\"\"\n"
    );
}

/// A message with no arguments takes another path (`Arguments::as_str`).
#[test]
fn literal_messages_are_escaped_too() {
    let json = json_logger(None);
    let text = text_logger(None);
    let ctx = Ctx::new(ctxtrace::NopTracer, (json.clone(), text.clone()));
    ctxtrace::warn!(
        ctx,
        "a \"b\" \\ c\nd\re\tf\u{0}\u{7f}\u{85}\u{2028}\u{2029}\u{202e}\u{feff} level=error"
    );
    drop(ctx);
    let msg = "a \"b\" \\ c\nd\re\tf\u{0}\u{7f}\u{85}\u{2028}\u{2029}\u{202e}\u{feff} level=error";
    let out = json.into_writer().unwrap();
    let parsed: serde_json::Value = serde_json::from_str(one_line(&out)).unwrap();
    assert_eq!(parsed["msg"], msg);
    let out = text.into_writer().unwrap();
    let parsed = logfmt::parse(one_line(&out)).unwrap();
    assert_eq!(
        parsed,
        [
            ("level".to_string(), "warn".to_string()),
            ("msg".to_string(), msg.to_string())
        ]
    );
}

/// A 1 MiB value is written whole and reads back (the buffers are shrunk
/// after it, which the next line must survive).
#[test]
fn huge_values_are_written_whole() {
    let big: String = "\"\\\n€ x="
        .chars()
        .cycle()
        .take(if cfg!(miri) { 4096 } else { 1 << 20 })
        .collect();
    let json = json_logger(None);
    let text = text_logger(None);
    let ctx = Ctx::new(ctxtrace::NopTracer, (json.clone(), text.clone()));
    ctxtrace::info!(ctx, "{}", ctxtrace::display(&big); v = big.as_str());
    ctxtrace::info!(ctx, "after");
    drop(ctx);
    let out = String::from_utf8(json.into_writer().unwrap()).unwrap();
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (lines[0]["msg"].as_str(), lines[0]["v"].as_str()),
        (Some(big.as_str()), Some(big.as_str()))
    );
    assert_eq!(lines[1]["msg"], "after");
    let out = String::from_utf8(text.into_writer().unwrap()).unwrap();
    let lines: Vec<_> = out.lines().map(|l| logfmt::parse(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!((&lines[0][1].1, &lines[0][2].1), (&big, &big));
    assert_eq!(lines[1][1].1, "after");
}

/// The reference date arithmetic used above agrees with known dates.
#[test]
fn reference_rfc3339_is_right() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000000Z");
    assert_eq!(
        rfc3339(951_782_400_000_000_001),
        "2000-02-29T00:00:00.000000001Z"
    );
    assert_eq!(rfc3339(u64::MAX), "2554-07-21T23:34:33.709551615Z");
}
