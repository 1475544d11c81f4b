//! What the fuzz targets share: the input an entry is built from, and the
//! checks that a writer's line parses back to exactly that entry.
//!
//! The logfmt parser, the JSON key reader and the rule for which fields a
//! line carries are the ones the tests use (`tests/support/*.rs`), included
//! here by path so that there is one copy.

use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::sync::Mutex;

use arbitrary::Arbitrary;
use ctxtrace::{
    Callsite, Ctx, Field, Ids, JsonLogger, Level, ManualClock, MemoryTracer, TextLogger, ToValue,
    Value,
};
use serde_json::json;

#[path = "../../tests/support/fields.rs"]
pub mod fields;
#[path = "../../tests/support/json.rs"]
pub mod json;
#[path = "../../tests/support/logfmt.rs"]
pub mod logfmt;

/// One entry: its level, target (none when empty), message, the fields
/// added to the `Ctx` before it, its own fields, whether it is logged under
/// a span, and the time.
#[derive(Arbitrary, Debug)]
pub struct Input<'a> {
    pub level: u8,
    pub target: &'a str,
    pub message: Text<'a>,
    pub ctx_fields: Vec<(&'a str, Val<'a>)>,
    pub fields: Vec<(&'a str, Val<'a>)>,
    pub under_span: bool,
    pub time: Option<u64>,
}

/// A `Display` that writes `text` in pieces, cut at `cuts` (modulo the
/// length, on char boundaries).
#[derive(Arbitrary, Debug)]
pub struct Text<'a> {
    pub text: &'a str,
    pub cuts: Vec<u16>,
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut cuts: Vec<usize> = self
            .cuts
            .iter()
            .map(|&c| usize::from(c) % (self.text.len() + 1))
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

/// An error whose `Display` is a given string. (`Value::Error` needs a
/// `'static` error type, so it owns its copy.)
#[derive(Debug)]
pub struct StrError(pub String);

impl fmt::Display for StrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for StrError {}

/// A field value.
#[derive(Arbitrary, Debug)]
pub enum Val<'a> {
    Str(&'a str),
    Display(Text<'a>),
    Error(&'a str),
    I64(i64),
    U64(u64),
    I128(i128),
    F64(f64),
    Bool(bool),
}

impl Val<'_> {
    /// The value to log; `error` is this value's error, for `Val::Error`.
    fn value<'v>(&'v self, error: &'v StrError) -> Value<'v> {
        match self {
            Val::Str(s) => Value::Str(s),
            Val::Display(t) => Value::Display(t),
            Val::Error(_) => Value::Error(error),
            Val::I64(n) => Value::I64(*n),
            Val::U64(n) => Value::U64(*n),
            Val::I128(n) => n.to_value(),
            Val::F64(n) => Value::F64(*n),
            Val::Bool(b) => Value::Bool(*b),
        }
    }

    /// The text a string-like value renders to.
    fn text(&self) -> Option<&str> {
        match self {
            Val::Str(s) | Val::Error(s) => Some(s),
            Val::Display(t) => Some(t.text),
            _ => None,
        }
    }

    fn check_json(&self, got: &serde_json::Value, line: &str) {
        if let Some(text) = self.text() {
            assert_eq!(got, &json!(text), "{line}");
            return;
        }
        match *self {
            Val::I64(n) => assert_eq!(got, &json!(n), "{line}"),
            Val::U64(n) => assert_eq!(got, &json!(n), "{line}"),
            Val::I128(n) => match i64::try_from(n) {
                Ok(n) => assert_eq!(got, &json!(n), "{line}"),
                Err(_) => assert_eq!(got, &json!(n.to_string()), "{line}"),
            },
            Val::F64(n) if n.is_finite() => {
                let back = got
                    .as_f64()
                    .unwrap_or_else(|| panic!("{got} is not a number: {line}"));
                assert_eq!(
                    back.to_bits(),
                    n.to_bits(),
                    "{n:?} read back as {back:?}: {line}"
                );
            }
            Val::F64(n) => assert_eq!(got, &json!(n.to_string()), "{line}"),
            Val::Bool(b) => assert_eq!(got, &json!(b), "{line}"),
            _ => unreachable!(),
        }
    }

    fn logfmt(&self) -> String {
        if let Some(text) = self.text() {
            return text.to_string();
        }
        match *self {
            Val::I64(n) => n.to_string(),
            Val::U64(n) => n.to_string(),
            Val::I128(n) => n.to_string(),
            Val::F64(n) => format!("{n:?}"),
            Val::Bool(b) => b.to_string(),
            _ => unreachable!(),
        }
    }
}

/// Keys must be `&'static str`: each distinct key is leaked once and looked
/// up after. Past 65,536 distinct keys, or for a key over 64 bytes, a fixed
/// hostile key stands in, so a long fuzzing run stays within its memory
/// limit.
fn intern(s: &str) -> &'static str {
    static TABLE: Mutex<Option<HashMap<String, &'static str>>> = Mutex::new(None);
    const FALLBACK: [&str; 8] = ["", " ", "a=b", "\"", "level", "trace id", "\n", "é"];
    let mut table = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    let table = table.get_or_insert_with(HashMap::new);
    if let Some(&key) = table.get(s) {
        return key;
    }
    if table.len() >= 65_536 || s.len() > 64 {
        return FALLBACK[s.len() % FALLBACK.len()];
    }
    let key: &'static str = Box::leak(s.to_owned().into_boxed_str());
    table.insert(s.to_owned(), key);
    key
}

fn level(n: u8) -> Level {
    Level::ALL[usize::from(n) % Level::ALL.len()]
}

/// Logs the entry through `logger` under a memory tracer. Returns the
/// fields the line should carry after the fixed keys: interned keys, and
/// each value's index in `ctx_fields` then `fields`.
fn log<L: ctxtrace::Logger>(logger: L, input: &Input<'_>) -> Vec<(&'static str, usize)> {
    // Counter ids: the expected line names span 1 of trace 1.
    let tracer = MemoryTracer::with_clock(ManualClock::new(0)).with_ids(Ids::Sequential);
    let mut ctx = Ctx::new(tracer, logger);
    let span = input.under_span.then(|| {
        let (child, span) = ctx.start_span("sync_pod");
        ctx = child;
        span
    });
    let errors: Vec<StrError> = input
        .ctx_fields
        .iter()
        .chain(&input.fields)
        .map(|(_, val)| StrError(val.text().unwrap_or("").to_string()))
        .collect();
    let ctx_keys: Vec<(&'static str, usize)> = input
        .ctx_fields
        .iter()
        .enumerate()
        .map(|(i, (key, _))| (intern(key), i))
        .collect();
    let own_keys: Vec<(&'static str, usize)> = input
        .fields
        .iter()
        .enumerate()
        .map(|(i, (key, _))| (intern(key), input.ctx_fields.len() + i))
        .collect();
    for &(key, i) in &ctx_keys {
        ctx = ctx.with_field(key, val(input, i).value(&errors[i]));
    }
    let fields: Vec<Field<'_>> = own_keys
        .iter()
        .map(|&(key, i)| Field {
            key,
            value: val(input, i).value(&errors[i]),
        })
        .collect();
    ctx.log_at(
        &Callsite::new(input.target, "", 0),
        level(input.level),
        format_args!("{}", input.message),
        &fields,
    );
    drop((ctx, span));
    fields::written(&ctx_keys, &own_keys)
}

fn val<'i, 'a>(input: &'i Input<'a>, i: usize) -> &'i Val<'a> {
    match input.ctx_fields.get(i) {
        Some((_, v)) => v,
        None => &input.fields[i - input.ctx_fields.len()].1,
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

fn time_shape(time: &str) -> bool {
    time.len() == 30 && time.ends_with('Z') && time.as_bytes()[10] == b'T'
}

/// `JsonLogger`: one line, valid JSON, with exactly the entry's keys, in
/// order, and values.
pub fn check_json(input: &Input<'_>) {
    let logger = JsonLogger::with_clock(Vec::new(), ManualClock::new(input.time.unwrap_or(0)));
    let logger = if input.time.is_some() {
        logger
    } else {
        logger.without_time()
    };
    let logged = log(logger.clone(), input);
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
    let object = parsed.as_object().expect("an object");

    let mut expected_keys: Vec<String> = Vec::new();
    if input.time.is_some() {
        expected_keys.push("time".into());
        assert!(time_shape(object["time"].as_str().unwrap()), "{line}");
    }
    expected_keys.push("level".into());
    assert_eq!(object["level"], level(input.level).as_str());
    if !input.target.is_empty() {
        expected_keys.push("target".into());
        assert_eq!(object["target"], input.target);
    }
    expected_keys.push("msg".into());
    assert_eq!(object["msg"], input.message.text);
    if input.under_span {
        expected_keys.extend(["method", "trace_id", "span_id"].map(String::from));
        assert_eq!(object["method"], "sync_pod");
    }
    // Each key once (the writers keep the last of a repeated key).
    let mut last: HashMap<String, usize> = HashMap::new();
    for &(key, i) in &logged {
        let written = json::written_key(key);
        last.insert(written.clone(), i);
        expected_keys.push(written);
    }
    for (written, i) in last {
        val(input, i).check_json(&object[&written], line);
    }
    let keys = json::keys(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    assert_eq!(keys, expected_keys, "{line}");
}

/// `TextLogger`: one line that the strict logfmt parser reads back to
/// exactly the entry's pairs, in order, keys sanitised as documented.
pub fn check_logfmt(input: &Input<'_>) {
    let logger =
        TextLogger::with_clock(Vec::new(), ManualClock::new(input.time.unwrap_or(0))).with_target();
    let logger = if input.time.is_some() {
        logger
    } else {
        logger.without_time()
    };
    let logged = log(logger.clone(), input);
    assert_eq!((logger.lines(), logger.errors()), (1, 0));
    let out = logger.into_writer().unwrap();
    let line = one_line(&out);
    let parsed = logfmt::parse(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));

    let mut expected = Vec::new();
    if input.time.is_some() {
        assert_eq!(parsed[0].0, "time");
        assert!(time_shape(&parsed[0].1), "{line}");
        expected.push(parsed[0].clone());
    }
    expected.push(("level".to_string(), level(input.level).as_str().to_string()));
    if !input.target.is_empty() {
        expected.push(("target".to_string(), input.target.to_string()));
    }
    if input.under_span {
        expected.push(("method".to_string(), "sync_pod".to_string()));
        expected.push((
            "trace_id".to_string(),
            "00000000000000000000000000000001".to_string(),
        ));
        expected.push(("span_id".to_string(), "0000000000000001".to_string()));
    }
    expected.push(("msg".to_string(), input.message.text.to_string()));
    for &(key, i) in &logged {
        expected.push((logfmt::written_key(key), val(input, i).logfmt()));
    }
    assert_eq!(parsed, expected, "{line}");
    for (i, (key, val)) in logged.iter().map(|&(k, i)| (k, val(input, i))).enumerate() {
        if let Val::F64(n) = val {
            let back: f64 = expected[expected.len() - logged.len() + i]
                .1
                .parse()
                .unwrap();
            assert!(
                n.is_nan() && back.is_nan() || back.to_bits() == n.to_bits(),
                "{key}: {line}"
            );
        }
    }
}
