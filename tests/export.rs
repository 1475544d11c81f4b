//! Exporting recorded spans: the Trace Event file ([`ChromeTrace`]) and
//! folded stacks ([`FoldedStacks`]): golden files, escaping, streaming,
//! self time, threads, and a flame graph drawn by inferno.
#![cfg(feature = "std")]

mod common;

use std::io::{self, Write};
use std::thread;
use std::time::Duration;

use common::{RecCtx, Recorder, recorder};
use ctxtrace::{ChromeTrace, FoldedStacks, Span, Spans, StatusCode};
use serde_json::Value as Json;

fn chrome(spans: &Spans) -> String {
    let mut out = Vec::new();
    ChromeTrace::new(spans).write_to(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn folded(spans: &Spans) -> String {
    let mut out = Vec::new();
    FoldedStacks::new(spans).write_to(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn parse(json: &str) -> Vec<Json> {
    let doc: Json = serde_json::from_str(json).expect("valid JSON");
    doc["traceEvents"].as_array().expect("traceEvents").clone()
}

fn phase<'a>(events: &'a [Json], ph: &'a str) -> impl Iterator<Item = &'a Json> + 'a {
    events.iter().filter(move |e| e["ph"] == ph)
}

fn micros(n: u64) -> Duration {
    Duration::from_micros(n)
}

/// One sync of a pod on a worker thread: `handleQueueItem` >
/// `syncPodFromKubernetes` > `provider.CreatePod`, which fails when `fail`.
fn sync_on_worker(rec: &Recorder, key: &'static str, fail: bool) {
    let ctx: &RecCtx = &rec.ctx;
    let clock = &rec.clock;
    thread::scope(|s| {
        s.spawn(|| {
            let (ctx, mut item) = ctx.start_span("handleQueueItem");
            let ctx = item.with_field(&ctx, "key", key);
            clock.advance(micros(5));
            let (ctx, mut sync) = ctx.start_span("syncPodFromKubernetes");
            let ctx = sync.with_field(&ctx, "attempt", 1);
            ctxtrace::info!(ctx, "syncing"; containers = 2);
            clock.advance(micros(10));
            let (ctx, mut create) = ctx.start_span("provider.CreatePod");
            clock.advance(Duration::from_nanos(12_345));
            if fail {
                ctxtrace::error!(ctx, "create failed"; reason = "no image");
                create.set_status_code(StatusCode::NotFound, "image \"nginx\" not found");
            } else {
                create.set_status(&Ok::<(), io::Error>(()));
            }
            drop(create);
            clock.advance(micros(3));
            sync.set_status(&Ok::<(), io::Error>(()));
            drop(sync);
            clock.advance(micros(2));
            drop(item);
        });
    });
}

/// The golden run: an informer round on this thread, then two syncs, each
/// on a worker thread of its own, all timed by a manual clock.
fn golden_run() -> (Recorder, Vec<(u64, String)>) {
    let rec = recorder();
    rec.clock.set(1_700_000_000_000_000_000);
    let (ctx, mut round) = rec.ctx.start_span("informer.round");
    let _ = round.with_field(&ctx, "round", 0);
    rec.clock.advance(micros(7));
    drop(round);
    sync_on_worker(&rec, "default/web-0", true);
    rec.clock.advance(Duration::from_nanos(500));
    sync_on_worker(&rec, "default/web-1", false);

    let spans = rec.tracer.spans();
    let mut names = vec![(
        spans.find("informer.round").unwrap().thread(),
        "main".into(),
    )];
    let mut workers: Vec<u64> = spans
        .find_all("handleQueueItem")
        .map(|s| s.thread())
        .collect();
    workers.dedup();
    for (i, thread) in workers.into_iter().enumerate() {
        names.push((thread, format!("worker {i}")));
    }
    (rec, names)
}

/// Compares `actual` with the golden file `name`, or writes it when
/// `UPDATE_GOLDEN` is set.
fn golden(name: &str, expected: &str, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::write(path, actual).unwrap();
        return;
    }
    assert_eq!(
        actual, expected,
        "tests/golden/{name} differs (UPDATE_GOLDEN=1 rewrites it)"
    );
}

#[test]
fn the_trace_event_file_matches_the_golden_file() {
    let (rec, names) = golden_run();
    let spans = rec.tracer.spans();
    let mut trace = ChromeTrace::new(&spans).with_process_name("pod_sync");
    for (thread, name) in names {
        trace = trace.with_thread_name(thread, name);
    }
    let mut out = Vec::new();
    trace.write_to(&mut out).unwrap();
    let json = String::from_utf8(out).unwrap();
    golden(
        "export.trace.json",
        include_str!("golden/export.trace.json"),
        &json,
    );

    // And what the golden file says, read back.
    let events = parse(&json);
    let create: Vec<&Json> = phase(&events, "X")
        .filter(|e| e["name"] == "provider.CreatePod")
        .collect();
    assert_eq!(create.len(), 2);
    assert_eq!(create[0]["cat"], "span,error");
    assert_eq!(create[0]["cname"], "terrible");
    assert_eq!(create[0]["dur"], 12.345);
    assert_eq!(create[0]["args"]["code"], "NotFound");
    assert_eq!(create[0]["args"]["message"], "image \"nginx\" not found");
    assert_eq!(create[1]["cat"], "span");
    assert_eq!(create[1]["args"]["status"], "ok");
    assert!(create[1].get("cname").is_none());
    let failed: Vec<&Json> = phase(&events, "i")
        .filter(|e| e["name"] == "create failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["cat"], "event,error");
    assert_eq!(failed[0]["s"], "t");
    assert_eq!(failed[0]["args"]["fields"]["reason"], "no image");
    assert_eq!(failed[0]["tid"], create[0]["tid"]);
}

#[test]
fn the_folded_stacks_match_the_golden_file() {
    let (rec, _) = golden_run();
    let text = folded(&rec.tracer.spans());
    golden("export.folded", include_str!("golden/export.folded"), &text);
    // Each sync: 5 + 2 µs in handleQueueItem, 10 + 3 in the sync, 12.345
    // in the call; two syncs, added up.
    assert_eq!(
        text,
        "handleQueueItem 14\nhandleQueueItem;syncPodFromKubernetes 26\n\
         handleQueueItem;syncPodFromKubernetes;provider.CreatePod 25\ninformer.round 7\n"
    );
}

#[test]
fn quotes_newlines_and_control_characters_stay_valid_json() {
    const NASTY: &str =
        "a \"quoted\" \\ name\nwith\ttabs\r\u{0}\u{1f}\u{7f}\u{85}\u{2028}\u{2029} é 🦀";
    let rec = recorder();
    let (ctx, mut span) = rec.ctx.start_span(NASTY);
    let ctx = span.with_field(&ctx, "k\"ey\n", NASTY);
    let ctx = span.with_field(&ctx, "nan", f64::NAN);
    ctxtrace::warn!(ctx, "{}", NASTY; detail = NASTY);
    span.set_status_code(StatusCode::Internal, NASTY);
    drop(span);

    let events = parse(&chrome(&rec.tracer.spans()));
    let span = phase(&events, "X").next().unwrap();
    assert_eq!(span["name"], NASTY);
    assert_eq!(span["args"]["attributes"]["k\"ey\n"], NASTY);
    assert_eq!(span["args"]["attributes"]["nan"], "NaN");
    assert_eq!(span["args"]["message"], NASTY);
    let event = phase(&events, "i").next().unwrap();
    assert_eq!(event["name"], NASTY);
    assert_eq!(event["args"]["fields"]["detail"], NASTY);
    assert_eq!(event["args"]["level"], "warn");
}

/// Counts what it is given, and how much at most in one write.
#[derive(Default)]
struct Counting {
    bytes: usize,
    writes: usize,
    largest: usize,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes += buf.len();
        self.writes += 1;
        self.largest = self.largest.max(buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn many_spans(n: usize) -> Recorder {
    let rec = recorder();
    for i in 0..n {
        let (ctx, mut span) = rec.ctx.start_span("sync_pod");
        let ctx = span.with_field(&ctx, "pod", "default/web-0");
        ctxtrace::info!(ctx, "synced"; n = i);
        rec.clock.advance(micros(3));
    }
    rec
}

#[test]
fn the_trace_event_file_is_written_an_event_at_a_time() {
    // Under miri, which is slow, a few spans make the point.
    let n = if cfg!(miri) { 8 } else { 2_000 };
    let rec = many_spans(n);
    let spans = rec.tracer.spans();
    let mut counting = Counting::default();
    ChromeTrace::new(&spans).write_to(&mut counting).unwrap();
    assert_eq!(counting.bytes, chrome(&spans).len());
    // A span and its event are two writes of their own, far smaller than
    // the document.
    assert!(counting.writes >= 2 * n, "{} writes", counting.writes);
    assert!(
        counting.largest < 400,
        "a write of {} bytes",
        counting.largest
    );
    assert!(counting.bytes > 5 * counting.largest);
}

#[test]
fn folded_stacks_are_written_a_line_at_a_time() {
    let rec = recorder();
    let ctx = &rec.ctx;
    let names = ["a", "b", "c", "d", "e", "f", "g", "h"];
    for name in names {
        let (ctx, root) = ctx.start_span(name);
        let (_, child) = ctx.start_span("child");
        rec.clock.advance(micros(2));
        drop((child, root));
    }
    let spans = rec.tracer.spans();
    let mut counting = Counting::default();
    FoldedStacks::new(&spans).write_to(&mut counting).unwrap();
    assert_eq!(counting.bytes, folded(&spans).len());
    assert_eq!(counting.writes, names.len());
    assert_eq!(counting.largest, "a;child 2\n".len());
}

/// Fails every write after the first `left` bytes.
struct Failing {
    left: usize,
}

impl Write for Failing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("disk full"));
        }
        let n = buf.len().min(self.left);
        self.left -= n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_writer_returns_its_error() {
    let rec = many_spans(10);
    let spans = rec.tracer.spans();
    for left in [0, 1, 100, 1_000] {
        let err = ChromeTrace::new(&spans)
            .write_to(Failing { left })
            .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
    }
    let err = FoldedStacks::new(&spans)
        .write_to(Failing { left: 0 })
        .unwrap_err();
    assert_eq!(err.to_string(), "disk full");
}

#[test]
fn self_time_is_the_duration_less_the_children() {
    let rec = recorder();
    for _ in 0..2 {
        // root 100 µs: a 30 µs (c 10 µs inside it) and b 20 µs.
        let (ctx, root) = rec.ctx.start_span("root");
        rec.clock.advance(micros(10));
        let (a_ctx, a) = ctx.start_span("a");
        rec.clock.advance(micros(5));
        let (_, c) = a_ctx.start_span("c");
        rec.clock.advance(micros(10));
        drop(c);
        rec.clock.advance(micros(15));
        drop(a);
        rec.clock.advance(micros(10));
        let (_, b) = ctx.start_span("b");
        rec.clock.advance(micros(20));
        drop(b);
        rec.clock.advance(micros(30));
        drop(root);
    }
    // Identical stacks are added up: twice each.
    assert_eq!(
        folded(&rec.tracer.spans()),
        "root 100\nroot;a 40\nroot;a;c 20\nroot;b 40\n"
    );
}

#[test]
fn concurrent_children_leave_no_negative_self_time() {
    let rec = recorder();
    let (ctx, root) = rec.ctx.start_span("fan_out");
    let first = ctx.start_span("call");
    let second = ctx.start_span("call");
    rec.clock.advance(micros(10));
    drop((first, second, root));
    // 20 µs of children in 10 µs: the parent's self time is 0, not -10,
    // and a stack with none is left out.
    assert_eq!(folded(&rec.tracer.spans()), "fan_out;call 20\n");
}

/// Children whose times add up past `u64::MAX` nanoseconds (a clock at its
/// end, which `ManualClock` and custom clocks allow) saturate: the parent's
/// self time is 0, and nothing overflows.
#[test]
fn children_longer_than_u64_nanoseconds_in_all_saturate() {
    let rec = recorder();
    let (ctx, root) = rec.ctx.start_span("root");
    for _ in 0..2 {
        rec.clock.set(0);
        let (_, child) = ctx.start_span("child");
        rec.clock.set(u64::MAX);
        drop(child);
    }
    drop(root);
    let micros = u64::MAX / 1_000 + 1;
    assert_eq!(
        folded(&rec.tracer.spans()),
        format!("root;child {micros}\n")
    );
}

#[test]
fn self_time_is_rounded_to_the_nearest_microsecond() {
    let rec = recorder();
    for (name, nanos) in [("short", 400), ("down", 1_499), ("up", 1_500)] {
        let (_, span) = rec.ctx.start_span(name);
        rec.clock.advance(Duration::from_nanos(nanos));
        drop(span);
    }
    assert_eq!(folded(&rec.tracer.spans()), "down 1\nup 2\n");
}

#[test]
fn a_span_whose_parent_is_not_recorded_starts_its_own_stack() {
    let rec = recorder();
    let (ctx, open) = rec.ctx.start_span("still_open");
    let (_, child) = ctx.start_span("child");
    rec.clock.advance(micros(4));
    drop(child);
    assert_eq!(folded(&rec.tracer.spans()), "child 4\n");
    drop(open);
}

#[test]
fn separators_in_names_cannot_break_a_line() {
    let rec = recorder();
    let (ctx, root) = rec.ctx.start_span("GET /pods;watch");
    let (_, child) = ctx.start_span("line\nbreak\r\ttab");
    rec.clock.advance(micros(3));
    drop((child, root));
    let text = folded(&rec.tracer.spans());
    assert_eq!(text, "GET /pods:watch;line break  tab 3\n");
}

#[test]
fn each_thread_is_a_named_track() {
    let rec = recorder();
    let ctx = &rec.ctx;
    let clock = &rec.clock;
    // This thread first, then two workers, one after the other.
    let (_, here) = ctx.start_span("on_main");
    clock.advance(micros(1));
    drop(here);
    for name in ["on_worker_1", "on_worker_2"] {
        thread::scope(|s| {
            s.spawn(|| {
                let (_, span) = ctx.start_span(name);
                clock.advance(micros(1));
                drop(span);
            });
        });
    }
    let spans = rec.tracer.spans();
    let thread_of = |name| spans.find(name).unwrap().thread();
    let worker_2 = thread_of("on_worker_2");
    let mut out = Vec::new();
    ChromeTrace::new(&spans)
        .with_thread_name(worker_2, "second worker")
        .write_to(&mut out)
        .unwrap();
    let events = parse(&String::from_utf8(out).unwrap());

    let names: Vec<(u64, String)> = phase(&events, "M")
        .filter(|e| e["name"] == "thread_name")
        .map(|e| {
            let name = e["args"]["name"].as_str().unwrap().to_string();
            (e["tid"].as_u64().unwrap(), name)
        })
        .collect();
    // Tracks in the order of their first span; unnamed ones say the
    // thread's number.
    let expected = [
        (1, format!("thread {}", thread_of("on_main"))),
        (2, format!("thread {}", thread_of("on_worker_1"))),
        (3, "second worker".to_string()),
    ];
    assert_eq!(names, expected);
    let tid_of = |name: &str| {
        phase(&events, "X")
            .find(|e| e["name"] == name)
            .map(|e| e["tid"].as_u64().unwrap())
    };
    assert_eq!(tid_of("on_main"), Some(1));
    assert_eq!(tid_of("on_worker_1"), Some(2));
    assert_eq!(tid_of("on_worker_2"), Some(3));
    assert!(phase(&events, "X").all(|e| e["pid"] == 1));
}

#[test]
fn spans_that_overlap_without_nesting_go_on_another_track_of_their_thread() {
    // Two tasks taking turns on one thread: `first` [0, 5), `second`
    // [2, 8) with its child `inner` [3, 4), and `later` [9, 10).
    let rec = recorder();
    let ctx = &rec.ctx;
    let (_, first) = ctx.start_span("first");
    rec.clock.set(2_000);
    let (second_ctx, second) = ctx.start_span("second");
    rec.clock.set(3_000);
    let (_, inner) = second_ctx.start_span("inner");
    rec.clock.set(4_000);
    drop(inner);
    rec.clock.set(5_000);
    drop(first);
    rec.clock.set(8_000);
    drop(second);
    rec.clock.set(9_000);
    let (_, later) = ctx.start_span("later");
    rec.clock.set(10_000);
    drop(later);

    let spans = rec.tracer.spans();
    let thread = spans.find("first").unwrap().thread();
    let events = parse(&chrome(&spans));
    let tid_of = |name: &str| {
        phase(&events, "X")
            .find(|e| e["name"] == name)
            .and_then(|e| e["tid"].as_u64())
    };
    assert_eq!(tid_of("first"), Some(1));
    assert_eq!(tid_of("second"), Some(2));
    assert_eq!(
        tid_of("inner"),
        Some(2),
        "a child goes on its parent's track"
    );
    assert_eq!(tid_of("later"), Some(1), "the first track where it nests");
    let names: Vec<&str> = phase(&events, "M")
        .filter(|e| e["name"] == "thread_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [format!("thread {thread}"), format!("thread {thread} (2)")]
    );
}

#[test]
fn no_spans_make_an_empty_but_valid_file() {
    let rec = recorder();
    let spans = rec.tracer.spans();
    let doc: Json = serde_json::from_str(&chrome(&spans)).unwrap();
    assert_eq!(doc["traceEvents"], Json::Array(Vec::new()));
    assert_eq!(doc["otherData"]["spans"], 0);
    assert_eq!(folded(&spans), "");
}

#[test]
fn timestamps_count_from_the_first_span_exactly() {
    let rec = recorder();
    rec.clock.set(1_700_000_000_123_456_789);
    let (_, first) = rec.ctx.start_span("first");
    rec.clock.advance(Duration::from_nanos(1));
    let (_, second) = rec.ctx.start_span("second");
    rec.clock.advance(Duration::from_nanos(2_000_010));
    drop((second, first));
    let json = chrome(&rec.tracer.spans());
    let doc: Json = serde_json::from_str(&json).unwrap();
    assert_eq!(
        doc["otherData"]["origin_unix_nanos"],
        1_700_000_000_123_456_789u64
    );
    assert!(json.contains(r#""name":"first","cat":"span","ph":"X","ts":0,"dur":2000.011,"#));
    assert!(json.contains(r#""name":"second","cat":"span","ph":"X","ts":0.001,"dur":2000.01,"#));
}

/// inferno, the Rust port of flamegraph.pl, draws the folded stacks: the
/// flame graph names every span.
#[test]
#[cfg_attr(miri, ignore)] // laying out and writing an SVG is slow under miri
fn inferno_draws_the_folded_stacks() {
    let (rec, _) = golden_run();
    let text = folded(&rec.tracer.spans());
    let mut svg = Vec::new();
    let mut options = inferno::flamegraph::Options::default();
    inferno::flamegraph::from_lines(&mut options, text.lines(), &mut svg).unwrap();
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.starts_with("<?xml"));
    for name in [
        "informer.round",
        "handleQueueItem",
        "syncPodFromKubernetes",
        "provider.CreatePod",
    ] {
        assert!(
            svg.contains(&format!("<title>{name} (")),
            "the flame graph has no frame for {name}"
        );
    }
    // The call's frame: 25 of the 72 µs.
    assert!(svg.contains("<title>provider.CreatePod (25 samples, 34.72%)</title>"));
}
