//! Fixtures for the writer-logger tests (`json`, `text`, `writer`, `fanout`):
//! a capturing writer, a scripted writer, readers for the two line formats
//! written independently of the crate, and proptest strategies for hostile
//! strings and field sets.

// Each test file uses its own subset of these fixtures.
#![allow(dead_code)]

use std::error::Error;
use std::fmt;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

// The logfmt reader and key rule are shared with the reliability tests and
// the fuzz targets, which include `logfmt.rs` on its own.
#[path = "logfmt.rs"]
mod logfmt_rules;
#[allow(unused_imports)] // each test file uses its own subset
pub use logfmt_rules::{is_hidden, parse as logfmt, written_key as text_key};

mod leak;
#[allow(unused_imports)] // each test file uses its own subset
pub use leak::leak;

use ctxtrace::{Redacted, ToValue, Value};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;

// ---------------------------------------------------------------------------
// Writers

/// A writer that keeps everything written to it; clones share the bytes.
#[derive(Clone, Debug, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Everything written so far, which must be UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8(self.bytes()).expect("the output is UTF-8")
    }

    /// The lines written so far. Every line must end with a newline.
    pub fn lines(&self) -> Vec<String> {
        let text = self.text();
        if text.is_empty() {
            return Vec::new();
        }
        assert!(
            text.ends_with('\n'),
            "the output ends with a newline: {text:?}"
        );
        text[..text.len() - 1]
            .split('\n')
            .map(str::to_owned)
            .collect()
    }

    /// The one line written so far.
    pub fn line(&self) -> String {
        let lines = self.lines();
        assert_eq!(lines.len(), 1, "exactly one line: {lines:?}");
        lines.into_iter().next().unwrap()
    }

    pub fn clear(&self) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What a [`Scripted`] writer does on one call to `write`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Takes at most this many bytes (more than offered is reported as is:
    /// a writer that lies about its count).
    Accept(usize),
    /// Takes everything, and says it took this many bytes more.
    Overclaim(usize),
    /// Fails with this kind, taking nothing.
    Fail(io::ErrorKind),
    /// Returns `Ok(0)`.
    Zero,
}

#[derive(Debug, Default)]
struct ScriptState {
    steps: std::collections::VecDeque<Step>,
    out: Vec<u8>,
    calls: usize,
    flushes: usize,
    fail_flush: bool,
}

/// A writer that follows a script, one step per call to `write`, and takes
/// everything once the script is used up. Clones share the script and output.
#[derive(Clone, Debug, Default)]
pub struct Scripted(Arc<Mutex<ScriptState>>);

impl Scripted {
    pub fn new(steps: impl IntoIterator<Item = Step>) -> Self {
        let state = ScriptState {
            steps: steps.into_iter().collect(),
            ..ScriptState::default()
        };
        Scripted(Arc::new(Mutex::new(state)))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ScriptState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn push(&self, steps: impl IntoIterator<Item = Step>) {
        self.state().steps.extend(steps);
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.state().out.clone()).expect("the output is UTF-8")
    }

    pub fn calls(&self) -> usize {
        self.state().calls
    }

    pub fn steps_left(&self) -> usize {
        self.state().steps.len()
    }

    pub fn flushes(&self) -> usize {
        self.state().flushes
    }

    pub fn fail_flush(&self, fail: bool) {
        self.state().fail_flush = fail;
    }
}

impl Write for Scripted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut state = self.state();
        state.calls += 1;
        match state.steps.pop_front() {
            None => {
                state.out.extend_from_slice(buf);
                Ok(buf.len())
            }
            Some(Step::Accept(n)) => {
                let n = n.min(buf.len());
                state.out.extend_from_slice(&buf[..n]);
                Ok(n)
            }
            Some(Step::Overclaim(extra)) => {
                state.out.extend_from_slice(buf);
                Ok(buf.len() + extra)
            }
            Some(Step::Fail(kind)) => Err(io::Error::new(kind, "scripted failure")),
            Some(Step::Zero) => Ok(0),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut state = self.state();
        state.flushes += 1;
        if state.fail_flush {
            Err(io::Error::other("flush failed"))
        } else {
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------
// Reading JSON lines back

/// The members of a one-line JSON object, in the order they were written,
/// each as its decoded key and the raw text of its value. Duplicate keys are
/// kept. Panics with the line when it is not one well-formed JSON object.
pub fn json_members(line: &str) -> Vec<(String, String)> {
    // Every line must first be valid JSON for a real parser.
    let parsed: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    assert!(parsed.is_object(), "not an object: {line:?}");

    let bytes = line.as_bytes();
    let mut i = 0;
    let expect = |i: &mut usize, b: u8| {
        assert_eq!(
            bytes.get(*i),
            Some(&b),
            "expected {:?} at {} in {line:?}",
            b as char,
            *i
        );
        *i += 1;
    };
    expect(&mut i, b'{');
    let mut members = Vec::new();
    if bytes.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            let key_start = i;
            i = json_string_end(bytes, i, line);
            let key: String = serde_json::from_str(&line[key_start..i])
                .unwrap_or_else(|e| panic!("{e}: {line:?}"));
            expect(&mut i, b':');
            let value_start = i;
            i = json_value_end(bytes, i, line);
            members.push((key, line[value_start..i].to_owned()));
            match bytes.get(i) {
                Some(b',') => i += 1,
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => panic!("expected ',' or '}}' at {i} in {line:?}"),
            }
        }
    }
    assert_eq!(i, bytes.len(), "nothing may follow the object: {line:?}");
    members
}

/// The index just past the JSON string that starts at `i`.
fn json_string_end(bytes: &[u8], mut i: usize, line: &str) -> usize {
    assert_eq!(
        bytes.get(i),
        Some(&b'"'),
        "expected a string at {i} in {line:?}"
    );
    i += 1;
    loop {
        match bytes.get(i) {
            Some(b'"') => return i + 1,
            Some(b'\\') => i += 2,
            Some(_) => i += 1,
            None => panic!("unterminated string in {line:?}"),
        }
    }
}

/// The index just past the JSON value that starts at `i`.
fn json_value_end(bytes: &[u8], mut i: usize, line: &str) -> usize {
    let mut depth = 0usize;
    loop {
        match bytes.get(i) {
            Some(b'"') => i = json_string_end(bytes, i, line),
            Some(b'{' | b'[') => {
                depth += 1;
                i += 1;
            }
            Some(b'}' | b']') if depth > 0 => {
                depth -= 1;
                i += 1;
            }
            Some(b',' | b'}') if depth == 0 => return i,
            Some(_) => i += 1,
            None => panic!("unterminated value in {line:?}"),
        }
    }
}

/// The keys of a JSON line, in order.
pub fn json_keys(line: &str) -> Vec<String> {
    json_members(line).into_iter().map(|(k, _)| k).collect()
}

/// The raw value of the one member `key` of a JSON line.
pub fn json_raw<'a>(members: &'a [(String, String)], key: &str) -> &'a str {
    let mut found = members.iter().filter(|(k, _)| k == key);
    let value = found
        .next()
        .unwrap_or_else(|| panic!("no key {key:?} in {members:?}"));
    assert!(found.next().is_none(), "key {key:?} twice in {members:?}");
    &value.1
}

/// The string a raw JSON value holds; panics if it is not a string.
pub fn json_string(raw: &str) -> String {
    serde_json::from_str(raw).unwrap_or_else(|e| panic!("{e}: not a JSON string: {raw:?}"))
}

/// Asserts that the raw JSON value `raw` is `expected`, exactly.
pub fn assert_json_value(raw: &str, expected: &Expected) {
    let parsed: serde_json::Value =
        serde_json::from_str(raw).unwrap_or_else(|e| panic!("{e}: {raw:?}"));
    match *expected {
        Expected::Str(ref s) => assert_eq!(parsed.as_str(), Some(s.as_str()), "raw {raw:?}"),
        Expected::I64(n) => {
            assert_eq!(parsed.as_i64(), Some(n), "raw {raw:?}");
            assert_eq!(raw, n.to_string());
        }
        Expected::U64(n) => {
            assert_eq!(parsed.as_u64(), Some(n), "raw {raw:?}");
            assert_eq!(raw, n.to_string());
        }
        Expected::F64(n) if n.is_finite() => {
            assert!(
                parsed.is_number(),
                "a finite float is a JSON number: {raw:?}"
            );
            // serde_json's default float parser may be one ulp off; std's is exact.
            let back: f64 = raw.parse().unwrap_or_else(|e| panic!("{e}: {raw:?}"));
            assert_eq!(
                back.to_bits(),
                n.to_bits(),
                "{raw:?} reads back as {back:?}, not {n:?}"
            );
        }
        Expected::F64(n) => {
            let want = if n.is_nan() {
                "NaN"
            } else if n > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            assert_eq!(parsed.as_str(), Some(want), "raw {raw:?}");
        }
        Expected::Bool(b) => assert_eq!(parsed.as_bool(), Some(b), "raw {raw:?}"),
    }
}

/// The key a JSON line uses for a field key.
pub fn json_key(key: &str) -> String {
    if is_reserved(key) || key.starts_with("fields.") {
        format!("fields.{key}")
    } else {
        key.to_owned()
    }
}

/// Asserts what no line of either format may hold: anything that ends or
/// splits a line for some reader.
pub fn assert_one_line(line: &str) {
    for c in line.chars() {
        assert!(
            !c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}'),
            "raw {:?} (U+{:04X}) in {line:?}",
            c,
            u32::from(c)
        );
    }
}

// ---------------------------------------------------------------------------
// Reading logfmt lines back

/// The one value of `key` among logfmt pairs.
pub fn logfmt_value<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    let mut found = pairs.iter().filter(|(k, _)| k == key);
    let value = found
        .next()
        .unwrap_or_else(|| panic!("no key {key:?} in {pairs:?}"));
    assert!(found.next().is_none(), "key {key:?} twice in {pairs:?}");
    &value.1
}

/// The text a logfmt value must read back as.
pub fn text_value(expected: &Expected) -> String {
    match *expected {
        Expected::Str(ref s) => s.clone(),
        Expected::I64(n) => n.to_string(),
        Expected::U64(n) => n.to_string(),
        Expected::F64(n) => format!("{n:?}"),
        Expected::Bool(b) => b.to_string(),
    }
}

/// Asserts that a logfmt value reads back as `expected`; floats bit for bit.
pub fn assert_text_value(got: &str, expected: &Expected) {
    assert_eq!(got, text_value(expected));
    if let Expected::F64(n) = *expected {
        let back: f64 = got.parse().unwrap_or_else(|e| panic!("{e}: {got:?}"));
        if n.is_nan() {
            assert!(back.is_nan());
        } else {
            assert_eq!(back.to_bits(), n.to_bits(), "{got:?}");
        }
    }
}

// ---------------------------------------------------------------------------
// Values

/// The keys both writers write themselves.
pub const RESERVED: [&str; 7] = [
    "time", "level", "target", "msg", "method", "trace_id", "span_id",
];

pub fn is_reserved(key: &str) -> bool {
    RESERVED.contains(&key)
}

/// Strings that try to break a line, forge a field, or confuse an escaper.
pub fn hostile_strings() -> Vec<String> {
    let mut strings: Vec<String> = [
        "",
        " ",
        "plain",
        "\"",
        "\\",
        "\\\"",
        "say \"hi\" \\o/",
        "trailing backslash\\",
        "\u{2028}",
        "\u{2029}",
        "a\u{2028}b\u{2029}c",
        "\u{2027}\u{202a}\u{202e}\u{200b}\u{feff}\u{ad}\u{61c}",
        "🦀 emoji 👩‍👩‍👧 and € and é",
        "level=error msg=forged",
        " level=error msg=forged",
        "x\nlevel=error msg=forged",
        "\"}\n{\"level\":\"error\"",
        "\"}\r\n{\"level\":\"error\",\"msg\":\"forged\"}",
        "\\u0000",
        "\\u2028 \\n \\\" \\\\ \\x41 \\u{41}",
        "\\",
        "=",
        "a=",
        "=b",
        "\u{1b}[31mred\u{1b}[0m",
        "\u{9b}31m",
        "\u{85}next line",
        "tab\there",
        "\r",
        "\r\n",
        "\u{0}",
        "nul\u{0}in the middle",
        "\u{7f}",
        "\u{e000}\u{10ffff}",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Every C0 control, DEL and every C1 control, alone and in context
    // (under miri, which is slow, every sixteenth; the string after the
    // loop still has them all).
    let step = if cfg!(miri) { 16 } else { 1 };
    for c in (0u32..0x20).chain(0x7f..0xa0).step_by(step) {
        let c = char::from_u32(c).unwrap();
        strings.push(c.to_string());
        strings.push(format!("a{c}b"));
    }
    let all: String = (0u32..0x20)
        .chain(0x7f..0xa0)
        .filter_map(char::from_u32)
        .collect();
    strings.push(all);
    strings
}

/// A message or value as a user error.
#[derive(Clone, Debug)]
pub struct TextError(pub String);

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for TextError {}

/// A `Display` that writes its text one character at a time, so a writer sees
/// many small pieces.
#[derive(Clone, Debug)]
pub struct CharByChar(pub String);

impl fmt::Display for CharByChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write as _;
        for c in self.0.chars() {
            f.write_char(c)?;
        }
        Ok(())
    }
}

/// A `Display` that panics part-way through.
#[derive(Clone, Copy, Debug)]
pub struct Boom;

impl fmt::Display for Boom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("half a value")?;
        panic!("Boom::fmt");
    }
}

/// A field value of any kind, owned, so a proptest can generate it.
#[derive(Clone, Debug)]
pub enum Val {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Display(CharByChar),
    Error(TextError),
    Redacted(Redacted<String>),
}

/// What a field must read back as.
#[derive(Clone, Debug)]
pub enum Expected {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
}

impl Val {
    pub fn value(&self) -> Value<'_> {
        match self {
            Val::Str(s) => Value::Str(s),
            Val::I64(n) => Value::I64(*n),
            Val::U64(n) => Value::U64(*n),
            Val::F64(n) => Value::F64(*n),
            Val::Bool(b) => Value::Bool(*b),
            Val::Display(d) => Value::Display(d),
            Val::Error(e) => Value::Error(e),
            Val::Redacted(r) => r.to_value(),
        }
    }

    pub fn expected(&self) -> Expected {
        match self {
            Val::Str(s) => Expected::Str(s.clone()),
            Val::I64(n) => Expected::I64(*n),
            Val::U64(n) => Expected::U64(*n),
            Val::F64(n) => Expected::F64(*n),
            Val::Bool(b) => Expected::Bool(*b),
            Val::Display(d) => Expected::Str(d.0.clone()),
            Val::Error(e) => Expected::Str(e.0.clone()),
            Val::Redacted(_) => Expected::Str("[redacted]".to_owned()),
        }
    }
}

impl ToValue for Val {
    fn to_value(&self) -> Value<'_> {
        self.value()
    }
}

// ---------------------------------------------------------------------------
// Proptest

/// Cases per property: `PROPTEST_CASES`, else 256; 4 under miri. Failures
/// are not persisted (miri has no file system, and the tests are pure).
pub fn proptest_config() -> ProptestConfig {
    let cases = if cfg!(miri) {
        4
    } else {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(256)
    };
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Characters that escapers get wrong: controls, quotes, backslashes, line
/// and paragraph separators, invisible format characters, and the bytes that
/// start them.
pub fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => (0u32..0x20).prop_map(|n| char::from_u32(n).unwrap()),
        1 => (0x7fu32..0xa0).prop_map(|n| char::from_u32(n).unwrap()),
        3 => prop::sample::select(vec![
            '"', '\\', '\u{2028}', '\u{2029}', '=', ' ', '{', '}', ':', ',', 'u', '0', 'n', '🦀', '€', 'é',
            '\u{feff}', '\u{202e}', '\u{200b}', '\u{ad}', '\u{2027}', '\u{202a}', '\u{2060}', '\u{e2}',
        ]),
        2 => any::<char>(),
        2 => proptest::char::range('a', 'z'),
    ]
}

/// Any string, or one made mostly of [`hostile_char`]s. Shorter under miri.
pub fn hostile_string() -> impl Strategy<Value = String> {
    let any_string = if cfg!(miri) {
        prop::collection::vec(any::<char>(), 0..8)
            .prop_map(String::from_iter)
            .boxed()
    } else {
        any::<String>().boxed()
    };
    let max = if cfg!(miri) { 8 } else { 24 };
    prop_oneof![
        any_string,
        prop::collection::vec(hostile_char(), 0..max).prop_map(String::from_iter),
    ]
}

pub fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        prop::sample::select(vec![
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE / 2.0,
            f64::from_bits(1),
            -f64::from_bits(1),
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            0.1,
            1e-7,
            1e16,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]),
    ]
}

/// A field value of any kind.
pub fn any_val() -> impl Strategy<Value = Val> {
    prop_oneof![
        3 => hostile_string().prop_map(Val::Str),
        1 => prop_oneof![any::<i64>(), prop::sample::select(vec![i64::MIN, i64::MAX, 0, -1])].prop_map(Val::I64),
        1 => prop_oneof![any::<u64>(), Just(u64::MAX)].prop_map(Val::U64),
        1 => any_f64().prop_map(Val::F64),
        1 => any::<bool>().prop_map(Val::Bool),
        1 => hostile_string().prop_map(|s| Val::Display(CharByChar(s))),
        1 => hostile_string().prop_map(|s| Val::Error(TextError(s))),
        1 => hostile_string().prop_map(|s| Val::Redacted(Redacted(s))),
    ]
}

/// Field keys: plain, dotted, reserved, and ones that need escaping or
/// sanitising.
pub const KEYS: [&str; 21] = [
    "pod",
    "k8s.pod",
    "level",
    "target",
    "msg",
    "time",
    "method",
    "trace_id",
    "span_id",
    "fields.level",
    "",
    "a b",
    "a=b",
    "q\"k",
    "back\\slash",
    "new\nline",
    "é",
    "trace id",
    "span-id",
    "🦀",
    "\u{2028}",
];

/// A set of fields: keys from [`KEYS`], repeats allowed. At most two under
/// miri.
pub fn any_fields(max: usize) -> impl Strategy<Value = Vec<(&'static str, Val)>> {
    let max = if cfg!(miri) { max.min(2) } else { max };
    prop::collection::vec((prop::sample::select(KEYS.to_vec()), any_val()), 0..=max)
}

/// The fields a writer line holds, in order, for `ctx` fields (those of the
/// `Ctx`, span fields included, in the order they were set) and an entry's
/// own: a key set again on the `Ctx` replaces the earlier one and moves to
/// the end, an entry's field replaces the `Ctx`'s, and the last of a key the
/// entry gives twice wins, in its place (keys compared as given, before any
/// escaping or sanitising).
pub fn merged_fields<'a>(
    ctx: &'a [(&'static str, Val)],
    entry: &'a [(&'static str, Val)],
) -> Vec<(&'static str, &'a Val)> {
    let mut fields: Vec<(&'static str, &Val)> = Vec::new();
    for (key, value) in ctx {
        fields.retain(|(k, _)| k != key);
        fields.push((key, value));
    }
    fields.retain(|(k, _)| !entry.iter().any(|(e, _)| e == k));
    for (i, (key, value)) in entry.iter().enumerate() {
        if !entry[i + 1..].iter().any(|(later, _)| later == key) {
            fields.push((key, value));
        }
    }
    fields
}

/// Loop counts shrink under miri, which is slow.
pub const fn scaled(n: usize) -> usize {
    if cfg!(miri) && n > 40 { 40 } else { n }
}
