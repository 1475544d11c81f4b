//! Every case of the W3C Trace Context test suite (w3c/trace-context,
//! `test/test.py`), as Rust tests of parse, format and propagate.
//!
//! `test.py` has 41 test methods: 37 in `TraceContextTest`, 3 in
//! `AdvancedTest` and 1 in `TraceContext2Test`. Each one is a test here with
//! the same name, and each request it sends is sent here too, with the same
//! headers and the same assertions on what the service sends on. The
//! "service" is what `examples/w3c_service.rs` does for each request: it
//! extracts the context, starts a span (a child of the remote parent, if
//! any), and for each callback starts a child span and injects its context.
//! The outgoing headers are read back here the way the harness reads them
//! (its `Traceparent` and `Tracestate` classes), with code of its own, not
//! with the parser under test.

#![cfg(feature = "std")]

use ctxtrace::{Ctx, MemoryTracer, NopLogger, TraceContext, TraceParent, TraceState};

/// The traceparent that most cases send.
const TP: &str = "00-12345678901234567890123456789012-1234567890123456-01";
const TP_00: &str = "00-12345678901234567890123456789012-1234567890123456-00";
const TRACE: &str = "12345678901234567890123456789012";
const PARENT: &str = "1234567890123456";

type Headers = Vec<(String, String)>;

/// What the service sends on for a request with `headers` that asks for
/// `count` callbacks: one list of headers per callback.
fn serve(tracer: &MemoryTracer, headers: &[(&str, &str)], count: usize) -> Vec<Headers> {
    let root = Ctx::new(tracer.clone(), NopLogger);
    let ctx = match TraceContext::from_headers(headers.iter().copied()) {
        Some(remote) => root.with_remote_parent(&remote),
        None => root,
    };
    let (ctx, _request) = ctx.start_span("POST /test");
    (0..count)
        .map(|_| {
            let (ctx, _call) = ctx.start_span("POST callback");
            let mut out = Vec::new();
            ctx.inject(|name, value| out.push((name.to_string(), value.to_string())));
            out
        })
        .collect()
}

/// The harness's `Traceparent`: the version, trace id, parent id and flags
/// fields as hex strings, checked against its regular expressions.
#[derive(Debug)]
struct HarnessTraceparent {
    trace_id: String,
    parent_id: String,
    trace_flags: u8,
}

/// The harness's `Tracestate`: members in order, the first of a key kept.
#[derive(Debug, Default)]
struct HarnessTracestate(Vec<(String, String)>);

impl HarnessTracestate {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    /// `str(tracestate)`: the members joined with `,`.
    fn joined(&self) -> String {
        let members: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        members.join(",")
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// `get_traceparent`: exactly one `traceparent` header (any casing), in
/// the `2-32-16-2` lower-case hex form.
fn get_traceparent(headers: &Headers) -> HarnessTraceparent {
    let found: Vec<&str> = headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("traceparent"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expect one traceparent header, got {found:?}"
    );
    let parts: Vec<&str> = found[0].split('-').collect();
    assert_eq!(parts.len(), 4, "traceparent {:?}", found[0]);
    assert!(
        is_lower_hex(parts[0], 2) && parts[0] != "ff",
        "version {:?}",
        parts[0]
    );
    assert!(is_lower_hex(parts[1], 32), "trace_id {:?}", parts[1]);
    assert!(is_lower_hex(parts[2], 16), "parent_id {:?}", parts[2]);
    assert!(is_lower_hex(parts[3], 2), "trace_flags {:?}", parts[3]);
    assert_ne!(parts[1], "0".repeat(32));
    assert_ne!(parts[2], "0".repeat(16));
    HarnessTraceparent {
        trace_id: parts[1].to_string(),
        parent_id: parts[2].to_string(),
        trace_flags: u8::from_str_radix(parts[3], 16).unwrap(),
    }
}

/// `get_tracestate`: every `tracestate` header, split at `OWS "," OWS`, each
/// member checked against the harness's member pattern.
fn get_tracestate(headers: &Headers) -> HarnessTracestate {
    let mut state = HarnessTracestate::default();
    for (_, value) in headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("tracestate"))
    {
        assert!(!value.is_empty(), "an empty tracestate header was sent");
        for member in value.split(',').map(|m| m.trim_matches([' ', '\t'])) {
            if member.is_empty() {
                continue;
            }
            let (key, val) = member.split_once('=').expect("member has '='");
            let key_ok = key.len() <= 256
                && key.bytes().enumerate().all(|(i, c)| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || (i > 0 && b"_-*/@".contains(&c))
                });
            let val_ok = (1..=256).contains(&val.len())
                && val
                    .bytes()
                    .all(|c| (0x20..=0x7e).contains(&c) && c != b',' && c != b'=')
                && !val.ends_with(' ');
            assert!(key_ok && val_ok, "illegal member {member:?}");
            if !state.contains(key) {
                state.0.push((key.to_string(), val.to_string()));
            }
        }
    }
    state
}

/// `make_single_request_and_get_tracecontext`.
fn single(headers: &[(&str, &str)]) -> (HarnessTraceparent, HarnessTracestate) {
    let tracer = MemoryTracer::new();
    let out = serve(&tracer, headers, 1).remove(0);
    (get_traceparent(&out), get_tracestate(&out))
}

/// A traceparent the suite calls invalid: the parser rejects it, and the
/// service starts a new trace.
fn assert_restarts(traceparent: &str) {
    assert!(
        TraceParent::parse(traceparent).is_err(),
        "{traceparent:?} parsed"
    );
    let (tp, _) = single(&[("traceparent", traceparent)]);
    assert_ne!(tp.trace_id, TRACE, "{traceparent:?} was continued");
}

/// A traceparent the suite calls valid: the trace goes on.
fn assert_continues(name: &str, traceparent: &str) {
    let parsed = TraceParent::parse(traceparent).unwrap();
    assert_eq!(parsed.trace_id.to_string(), TRACE);
    let (tp, _) = single(&[(name, traceparent)]);
    assert_eq!(tp.trace_id, TRACE);
    assert_ne!(tp.parent_id, PARENT);
}

/// The tracestate that the service sends on for `tracestate` headers under
/// `TP_00`.
fn tracestate_of(tracestate: &[&str]) -> HarnessTracestate {
    let mut headers = vec![("traceparent", TP_00)];
    headers.extend(tracestate.iter().map(|v| ("tracestate", *v)));
    let (tp, state) = single(&headers);
    assert_eq!(tp.trace_id, TRACE);
    state
}

// ---- TraceContextTest ----

#[test]
fn test_both_traceparent_and_tracestate_missing() {
    let (tp, state) = single(&[]);
    assert_ne!(tp.trace_id, TRACE);
    assert_eq!(state.len(), 0);
}

#[test]
fn test_traceparent_included_tracestate_missing() {
    let (tp, state) = single(&[("traceparent", TP)]);
    assert_eq!(tp.trace_id, TRACE);
    assert_ne!(tp.parent_id, PARENT);
    assert_eq!(state.len(), 0);
}

#[test]
fn test_traceparent_duplicated() {
    let headers = [
        (
            "traceparent",
            "00-12345678901234567890123456789011-1234567890123456-01",
        ),
        ("traceparent", TP),
    ];
    assert!(TraceContext::from_headers(headers).is_none());
    let (tp, _) = single(&headers);
    assert_ne!(tp.trace_id, "12345678901234567890123456789011");
    assert_ne!(tp.trace_id, TRACE);
}

#[test]
fn test_traceparent_header_name() {
    for name in ["trace-parent", "trace.parent"] {
        assert!(TraceContext::from_headers([(name, TP)]).is_none());
        let (tp, _) = single(&[(name, TP)]);
        assert_ne!(tp.trace_id, TRACE);
    }
}

#[test]
fn test_traceparent_header_name_valid_casing() {
    for name in ["TraceParent", "TrAcEpArEnT", "TRACEPARENT"] {
        assert_continues(name, TP);
    }
}

#[test]
fn test_traceparent_version_0x00() {
    assert_restarts("00-12345678901234567890123456789012-1234567890123456-01.");
    assert_restarts(
        "00-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
    );
}

#[test]
fn test_traceparent_version_0xcc() {
    assert_continues(
        "traceparent",
        "cc-12345678901234567890123456789012-1234567890123456-01",
    );
    assert_continues(
        "traceparent",
        "cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
    );
    assert_restarts(
        "cc-12345678901234567890123456789012-1234567890123456-01.what-the-future-will-be-like",
    );
    // Sent on as version 00, the highest known.
    let tracer = MemoryTracer::new();
    let out = serve(
        &tracer,
        &[(
            "traceparent",
            "cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
        )],
        1,
    );
    assert!(out[0][0].1.starts_with("00-"));
    assert_eq!(out[0][0].1.len(), 55);
}

#[test]
fn test_traceparent_version_0xff() {
    assert_restarts("ff-12345678901234567890123456789012-1234567890123456-01");
}

#[test]
fn test_traceparent_version_illegal_characters() {
    assert_restarts(".0-12345678901234567890123456789012-1234567890123456-01");
    assert_restarts("0.-12345678901234567890123456789012-1234567890123456-01");
}

#[test]
fn test_traceparent_version_too_long() {
    assert_restarts("000-12345678901234567890123456789012-1234567890123456-01");
    assert_restarts("0000-12345678901234567890123456789012-1234567890123456-01");
}

#[test]
fn test_traceparent_version_too_short() {
    assert_restarts("0-12345678901234567890123456789012-1234567890123456-01");
}

#[test]
fn test_traceparent_trace_id_all_zero() {
    let value = "00-00000000000000000000000000000000-1234567890123456-01";
    assert!(TraceParent::parse(value).is_err());
    let (tp, _) = single(&[("traceparent", value)]);
    assert_ne!(tp.trace_id, "0".repeat(32));
}

#[test]
fn test_traceparent_trace_id_illegal_characters() {
    assert_restarts("00-.2345678901234567890123456789012-1234567890123456-01");
    assert_restarts("00-1234567890123456789012345678901.-1234567890123456-01");
}

#[test]
fn test_traceparent_trace_id_too_long() {
    let value = "00-123456789012345678901234567890123-1234567890123456-01";
    assert_restarts(value);
    let (tp, _) = single(&[("traceparent", value)]);
    assert_ne!(tp.trace_id, "123456789012345678901234567890123");
    assert_ne!(tp.trace_id, "23456789012345678901234567890123");
}

#[test]
fn test_traceparent_trace_id_too_short() {
    assert_restarts("00-1234567890123456789012345678901-1234567890123456-01");
}

#[test]
fn test_traceparent_parent_id_all_zero() {
    assert_restarts("00-12345678901234567890123456789012-0000000000000000-01");
}

#[test]
fn test_traceparent_parent_id_illegal_characters() {
    assert_restarts("00-12345678901234567890123456789012-.234567890123456-01");
    assert_restarts("00-12345678901234567890123456789012-123456789012345.-01");
}

#[test]
fn test_traceparent_parent_id_too_long() {
    assert_restarts("00-12345678901234567890123456789012-12345678901234567-01");
}

#[test]
fn test_traceparent_parent_id_too_short() {
    assert_restarts("00-12345678901234567890123456789012-123456789012345-01");
}

#[test]
fn test_traceparent_trace_flags_illegal_characters() {
    assert_restarts("00-12345678901234567890123456789012-1234567890123456-.0");
    assert_restarts("00-12345678901234567890123456789012-1234567890123456-0.");
}

#[test]
fn test_traceparent_trace_flags_too_long() {
    assert_restarts("00-12345678901234567890123456789012-1234567890123456-001");
}

#[test]
fn test_traceparent_trace_flags_too_short() {
    assert_restarts("00-12345678901234567890123456789012-1234567890123456-1");
}

#[test]
fn test_traceparent_ows_handling() {
    for value in [
        " 00-12345678901234567890123456789012-1234567890123456-01",
        "\t00-12345678901234567890123456789012-1234567890123456-01",
        "00-12345678901234567890123456789012-1234567890123456-01 ",
        "00-12345678901234567890123456789012-1234567890123456-01\t",
        "\t 00-12345678901234567890123456789012-1234567890123456-01 \t",
    ] {
        assert_continues("traceparent", value);
    }
}

#[test]
fn test_tracestate_included_traceparent_missing() {
    let (_, state1) = single(&[("tracestate", "foo=1")]);
    let (_, state2) = single(&[("tracestate", "foo=1,bar=2")]);
    assert_eq!(state1.len(), state2.len());
    // Without a traceparent the tracestate is not parsed at all.
    assert_eq!(state1.len(), 0);
}

#[test]
fn test_tracestate_included_traceparent_included() {
    let state = tracestate_of(&["foo=1,bar=2"]);
    assert_eq!(state.get("foo"), Some("1"));
    assert_eq!(state.get("bar"), Some("2"));
}

#[test]
fn test_tracestate_header_name() {
    for name in ["trace-state", "trace.state"] {
        let (_, state) = single(&[("traceparent", TP_00), (name, "foo=1")]);
        assert!(!state.contains("foo"));
    }
}

#[test]
fn test_tracestate_header_name_valid_casing() {
    for name in ["TraceState", "TrAcEsTaTe", "TRACESTATE"] {
        let (_, state) = single(&[("traceparent", TP_00), (name, "foo=1")]);
        assert_eq!(state.get("foo"), Some("1"));
    }
}

#[test]
fn test_tracestate_empty_header() {
    // No empty tracestate header is sent (get_tracestate checks it).
    let state = tracestate_of(&[""]);
    assert_eq!(state.len(), 0);
    assert_eq!(tracestate_of(&["foo=1", ""]).get("foo"), Some("1"));
    assert_eq!(tracestate_of(&["", "foo=1"]).get("foo"), Some("1"));
}

#[test]
fn test_tracestate_multiple_headers_different_keys() {
    let state = tracestate_of(&["foo=1,bar=2", "rojo=1,congo=2", "baz=3"]).joined();
    let at = |m: &str| {
        state
            .find(m)
            .unwrap_or_else(|| panic!("{m} not in {state}"))
    };
    assert!(at("foo=1") < at("bar=2"));
    assert!(at("bar=2") < at("rojo=1"));
    assert!(at("rojo=1") < at("congo=2"));
    assert!(at("congo=2") < at("baz=3"));
}

#[test]
fn test_tracestate_duplicated_keys() {
    assert!(tracestate_of(&["foo=1,foo=1"]).joined().contains("foo=1"));
    let state = tracestate_of(&["foo=1,foo=2"]).joined();
    assert!(state.contains("foo=1") || state.contains("foo=2"));
    assert!(
        tracestate_of(&["foo=1", "foo=1"])
            .joined()
            .contains("foo=1")
    );
    let state = tracestate_of(&["foo=1", "foo=2"]).joined();
    assert!(state.contains("foo=1") || state.contains("foo=2"));
    // This crate keeps the first, once.
    assert_eq!(TraceState::parse("foo=1,foo=2").unwrap().as_str(), "foo=1");
}

#[test]
fn test_tracestate_all_allowed_characters() {
    let key_without_vendor: String = ('a'..='z').chain('0'..='9').chain("_-*/".chars()).collect();
    let key_with_vendor = format!("{key_without_vendor}@a-z0-9_-*/");
    let value: String = (0x20u8..=0x2b)
        .chain(0x2d..=0x3c)
        .chain(0x3e..=0x7e)
        .map(char::from)
        .collect();
    for key in [&key_without_vendor, &key_with_vendor] {
        let state = tracestate_of(&[&format!("{key}={value}")]);
        assert_eq!(state.get(key), Some(value.as_str()));
    }
}

#[test]
fn test_tracestate_ows_handling() {
    for header in [
        "foo=1 \t , \t bar=2, \t baz=3",
        "foo=1\t \t,\t \tbar=2,\t \tbaz=3",
    ] {
        let state = tracestate_of(&[header]);
        assert_eq!(state.get("foo"), Some("1"));
        assert_eq!(state.get("bar"), Some("2"));
        assert_eq!(state.get("baz"), Some("3"));
    }
    for header in [" foo=1", "\tfoo=1", "foo=1 ", "foo=1\t", "\t foo=1 \t"] {
        assert_eq!(tracestate_of(&[header]).get("foo"), Some("1"));
    }
}

#[test]
fn test_tracestate_key_illegal_characters() {
    for (header, key) in [
        ("foo =1", "foo "),
        ("FOO=1", "FOO"),
        ("foo.bar=1", "foo.bar"),
    ] {
        assert!(TraceState::parse(header).is_err(), "{header:?}");
        assert!(!tracestate_of(&[header]).contains(key));
    }
}

#[test]
fn test_tracestate_key_illegal_vendor_format() {
    let state = tracestate_of(&["foo@=1,bar=2"]);
    assert_eq!(state.get("foo@"), Some("1"));
    assert_eq!(state.get("bar"), Some("2"));

    assert!(!tracestate_of(&["@foo=1,bar=2"]).contains("bar"));

    let state = tracestate_of(&["foo@@bar=1,bar=2"]);
    assert_eq!(state.get("foo@@bar"), Some("1"));
    assert_eq!(state.get("bar"), Some("2"));

    let state = tracestate_of(&["foo@bar@baz=1,bar=2"]);
    assert_eq!(state.get("foo@bar@baz"), Some("1"));
    assert_eq!(state.get("bar"), Some("2"));
}

#[test]
fn test_tracestate_member_count_limit() {
    let lists: Vec<String> = [1..=10, 11..=20, 21..=30, 31..=32]
        .into_iter()
        .map(|range| {
            let members: Vec<String> = range.map(|i| format!("bar{i:02}={i:02}")).collect();
            members.join(",")
        })
        .collect();
    let headers: Vec<&str> = lists.iter().map(String::as_str).collect();
    let state = tracestate_of(&headers);
    assert_eq!(state.get("bar01"), Some("01"));
    assert_eq!(state.len(), 32);

    let last = format!("{},bar33=33", lists[3]);
    let headers = [&lists[0], &lists[1], &lists[2], &last].map(String::as_str);
    assert!(!tracestate_of(&headers).contains("bar01"));
}

#[test]
fn test_tracestate_key_length_limit() {
    let key = "z".repeat(256);
    let state = tracestate_of(&["foo=1", &format!("{key}=1")]);
    assert_eq!(state.get("foo"), Some("1"));
    assert_eq!(state.get(&key), Some("1"));

    let state = tracestate_of(&["foo=1", &format!("{}=1", "z".repeat(257))]);
    assert!(!state.contains("foo"));

    for key in [
        format!("{}@{}", "t".repeat(241), "v".repeat(14)),
        format!("{}@v", "t".repeat(242)),
        format!("t@{}", "v".repeat(15)),
    ] {
        let state = tracestate_of(&["foo=1", &format!("{key}=1")]);
        assert_eq!(state.get("foo"), Some("1"));
        assert_eq!(state.get(&key), Some("1"));
    }
}

#[test]
fn test_tracestate_value_illegal_characters() {
    assert!(!tracestate_of(&["foo=bar=baz"]).contains("foo"));
    let state = tracestate_of(&["foo=,bar=3"]);
    assert!(!state.contains("foo"));
    assert!(!state.contains("bar"));
}

// ---- AdvancedTest ----

/// The trace ids and the parent ids of `count` callbacks.
fn callbacks(headers: &[(&str, &str)], count: usize) -> (Vec<String>, Vec<String>) {
    let tracer = MemoryTracer::new();
    let out = serve(&tracer, headers, count);
    assert_eq!(out.len(), count);
    let parsed: Vec<HarnessTraceparent> = out.iter().map(get_traceparent).collect();
    let mut trace_ids: Vec<String> = parsed.iter().map(|t| t.trace_id.clone()).collect();
    let mut parent_ids: Vec<String> = parsed.iter().map(|t| t.parent_id.clone()).collect();
    trace_ids.sort();
    trace_ids.dedup();
    parent_ids.sort();
    parent_ids.dedup();
    (trace_ids, parent_ids)
}

#[test]
fn test_multiple_requests_with_valid_traceparent() {
    let (trace_ids, parent_ids) = callbacks(&[("traceparent", TP)], 3);
    assert_eq!(trace_ids, [TRACE]);
    assert_eq!(parent_ids.len(), 3);
}

#[test]
fn test_multiple_requests_without_traceparent() {
    let (trace_ids, parent_ids) = callbacks(&[], 3);
    assert_eq!(trace_ids.len(), 1, "one new trace for one request");
    assert_eq!(parent_ids.len(), 3);
}

#[test]
fn test_multiple_requests_with_illegal_traceparent() {
    let zero = "00-00000000000000000000000000000000-1234567890123456-01";
    let (trace_ids, parent_ids) = callbacks(&[("traceparent", zero)], 3);
    assert!(!trace_ids.contains(&"0".repeat(32)));
    assert_eq!(parent_ids.len(), 3);
}

// ---- TraceContext2Test ----

#[test]
fn test_propagates_random_flag() {
    let (tp, _) = single(&[(
        "traceparent",
        "00-12345678901234567890123456789012-1234567890123456-02",
    )]);
    assert_eq!(tp.trace_id, TRACE);
    assert_ne!(tp.parent_id, PARENT);
    // The harness's assert_bit_set(flags, 2): the second bit, 0x02.
    assert_eq!(tp.trace_flags & 0x02, 0x02, "random flag not set");
}
