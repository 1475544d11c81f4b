//! The memory recorder under hostile values: a `Display` that starts a span
//! or logs into the same recorder, a slow `Display`, one that fails, values
//! that try to forge render lines, and a tree too deep to recurse through.
#![cfg(feature = "std")]

use std::fmt;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ctxtrace::{Ctx, ManualClock, MemoryTracer, NopLogger, Span};

type MemCtx = Ctx<MemoryTracer<ManualClock>, NopLogger>;

fn recorder() -> (MemoryTracer<ManualClock>, MemCtx) {
    // Room for the deepest tree below.
    let tracer = MemoryTracer::with_clock_and_capacity(ManualClock::new(0), 200_000);
    (tracer.clone(), Ctx::new(tracer, NopLogger))
}

/// A value whose `Display` starts and ends a span on the recorder, and logs
/// into that inner span, before it writes its text.
struct StartsASpan(MemCtx);

impl fmt::Display for StartsASpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (ctx, span) = self.0.start_span("inside_display");
        ctxtrace::info!(ctx, "inner event"; n = 1);
        span.end();
        f.write_str("outer value")
    }
}

/// Runs `f` on a thread of its own and fails if it does not return within
/// 30 s: on main the re-entrant cases below deadlocked on the recorder's
/// lock, and a test should fail rather than hang.
fn without_deadlock(what: &str, f: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        f();
        let _ = done.send(());
    });
    assert!(
        finished.recv_timeout(Duration::from_secs(30)).is_ok(),
        "{what} deadlocked the recorder"
    );
    worker.join().unwrap();
}

#[test]
fn a_display_that_starts_a_span_on_the_same_recorder_gets_its_own_span() {
    let (tracer, root) = recorder();
    let (ctx, outer) = root.start_span("outer");
    let display_ctx = root.clone();
    without_deadlock("a Display that starts a span", move || {
        ctxtrace::info!(ctx, "outer {}", "message"; value = %StartsASpan(display_ctx));
        drop(outer);
    });

    let spans = tracer.spans();
    let inner = spans.find("inside_display").expect("the inner span");
    let inner_events: Vec<&str> = inner.events().map(|e| e.message()).collect();
    assert_eq!(inner_events, ["inner event"]);
    assert_eq!(inner.parent_id(), None);
    let outer = spans.find("outer").expect("the outer span");
    let event = outer.events().next().expect("the outer event");
    assert_eq!(event.message(), "outer message");
    assert_eq!(
        event.field("value"),
        Some(ctxtrace::Value::Str("outer value"))
    );
    assert_eq!(outer.events().len(), 1);
}

/// A value whose `Display` logs into the very span its entry goes to.
struct LogsIntoTheSameSpan(MemCtx);

impl fmt::Display for LogsIntoTheSameSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        ctxtrace::info!(self.0, "nested"; depth = 2);
        f.write_str("v")
    }
}

#[test]
fn a_display_that_logs_into_the_same_span_keeps_both_events_whole() {
    let (tracer, root) = recorder();
    let (ctx, span) = root.start_span("sync");
    without_deadlock("a Display that logs into its own span", move || {
        ctxtrace::info!(ctx, "outer"; value = %LogsIntoTheSameSpan(ctx.clone()), after = 3);
        drop(span);
    });
    let spans = tracer.spans();
    let sync = spans.find("sync").unwrap();
    let events: Vec<_> = sync
        .events()
        .map(|e| (e.message(), e.fields().count()))
        .collect();
    // The nested event is complete before the outer one is appended.
    assert_eq!(events, [("nested", 1), ("outer", 2)]);
    let outer = sync.events().nth(1).unwrap();
    assert_eq!(outer.field("value"), Some(ctxtrace::Value::Str("v")));
    assert_eq!(outer.field("after"), Some(ctxtrace::Value::I64(3)));
}

/// A value that takes `0` to format.
struct Slow(Duration);

impl fmt::Display for Slow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        std::thread::sleep(self.0);
        f.write_str("slow")
    }
}

#[test]
// Real threads and an 800 ms sleep: too slow for miri, and timing-based.
#[cfg_attr(miri, ignore)]
fn a_slow_display_does_not_stall_another_threads_spans() {
    const SLOW: Duration = Duration::from_millis(800);
    let (tracer, root) = recorder();
    let (ctx, span) = root.start_span("slow_owner");
    let (started, wait_started) = mpsc::channel();
    let slow = std::thread::spawn(move || {
        let _ = started.send(());
        ctxtrace::info!(ctx, "formatting"; value = %Slow(SLOW));
        drop(span);
    });
    wait_started.recv().unwrap();
    // Let the slow thread reach its Display.
    std::thread::sleep(Duration::from_millis(100));
    let begun = Instant::now();
    let (ctx, other) = root.start_span("unrelated");
    ctxtrace::info!(ctx, "quick");
    other.end();
    let took = begun.elapsed();
    slow.join().unwrap();
    // On main this waited for the slow Display: about 700 ms.
    assert!(
        took < Duration::from_millis(300),
        "an unrelated span waited {took:?} for another thread's Display"
    );
    let spans = tracer.spans();
    assert_eq!(spans.find("unrelated").unwrap().events().len(), 1);
    let slow = spans.find("slow_owner").unwrap().events().next().unwrap();
    assert_eq!(slow.field("value"), Some(ctxtrace::Value::Str("slow")));
}

/// A value that writes part of its text and then fails.
struct Fails;

impl fmt::Display for Fails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("partial")?;
        Err(fmt::Error)
    }
}

#[test]
fn a_display_that_fails_keeps_its_partial_text_and_never_panics() {
    let (tracer, root) = recorder();
    let (ctx, mut span) = root.start_span("sync");
    let ctx = span.with_field(&ctx, "attr", ctxtrace::display(&Fails));
    ctxtrace::info!(ctx, "message {}", Fails; field = %Fails);
    span.set_status(&Err::<(), _>(FailingError));
    drop(span);
    let spans = tracer.spans();
    let sync = spans.find("sync").unwrap();
    assert_eq!(
        sync.attribute("attr"),
        Some(ctxtrace::Value::Str("partial"))
    );
    let event = sync.events().next().unwrap();
    assert_eq!(event.message(), "message partial");
    assert_eq!(event.field("field"), Some(ctxtrace::Value::Str("partial")));
    assert_eq!(
        sync.status(),
        ctxtrace::Status::Error {
            code: ctxtrace::StatusCode::Unknown,
            message: "partial"
        }
    );
}

/// An error whose `Display` fails part-way.
#[derive(Debug)]
struct FailingError;

impl fmt::Display for FailingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Fails, f)
    }
}

impl std::error::Error for FailingError {}

#[test]
fn a_value_with_a_newline_cannot_forge_a_render_line() {
    let (tracer, root) = recorder();
    let (ctx, mut span) = root.start_span("sync");
    let forged_span = "x\nforged 0ns [ok]";
    let forged_event = "y\n  - error forged event";
    let ctx = span.with_field(&ctx, "pod", forged_span);
    ctxtrace::info!(ctx, "msg\r\n  - warn forged\u{1b}[2K\u{202e}"; reason = forged_event, tab = "a\tb");
    drop(span);
    let rendered = tracer.spans().render();
    // One span line and one event line, and nothing else.
    let lines: Vec<&str> = rendered.lines().collect();
    assert_eq!(lines.len(), 2, "{rendered}");
    assert_eq!(lines[0], r"sync 0ns [unset] pod=x\nforged 0ns [ok]");
    assert_eq!(
        lines[1],
        r"  - info msg\r\n  - warn forged\u{1b}[2K\u{202e} reason=y\n  - error forged event tab=a\tb"
    );
    assert!(!rendered.contains('\u{1b}') && !rendered.contains('\r'));
}

/// A chain of `depth` nested spans, each ended before its parent.
fn chain(root: &MemCtx, depth: usize) {
    let mut open = Vec::with_capacity(depth);
    let mut ctx = root.clone();
    for _ in 0..depth {
        let (child, span) = ctx.start_span("level");
        open.push(span);
        ctx = child;
    }
    while let Some(span) = open.pop() {
        span.end();
    }
}

#[test]
// Hundreds of nested spans and their render take minutes under miri; the
// escaping and the tree walk are run there by the smaller tests.
#[cfg_attr(miri, ignore)]
fn a_very_deep_tree_renders_without_recursion_and_marks_the_cut() {
    let depth = 100_000;
    let (tracer, root) = recorder();
    chain(&root, depth);
    let spans = tracer.spans();
    assert_eq!(spans.len(), depth);
    let top = spans.roots().next().unwrap().span_id();
    // A small stack: a recursive render of this tree would overflow it.
    let rendered = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let top = spans.get(top).unwrap();
            (spans.render(), spans.render_tree(top))
        })
        .unwrap()
        .join()
        .expect("render on a 64 KiB stack");
    for text in [&rendered.0, &rendered.1] {
        let lines: Vec<&str> = text.lines().collect();
        // Levels 0..=256 rendered, then one marker for the rest.
        assert_eq!(lines.len(), 258);
        assert!(lines[256].trim_start().starts_with("level 0ns"));
        assert_eq!(
            lines[257].trim_start(),
            format!("… {} more spans below, not shown", depth - 257)
        );
        assert_eq!(lines[257].len() - lines[257].trim_start().len(), 2 * 257);
    }
}

#[test]
// As above: 257 nested spans take minutes under miri.
#[cfg_attr(miri, ignore)]
fn a_tree_within_the_depth_limit_renders_whole() {
    let (tracer, root) = recorder();
    chain(&root, 257);
    let rendered = tracer.spans().render();
    assert_eq!(rendered.lines().count(), 257);
    assert!(!rendered.contains("not shown"));
}

/// The number of lines of `text` that render a span named `name`.
fn lines_of(text: &str, name: &str) -> usize {
    let line = format!("{name} ");
    text.lines()
        .filter(|l| l.trim_start().starts_with(&line))
        .count()
}

/// Ids that repeat: the recorder's counters start again while spans are
/// open (`with_ids` on a clone says so), so two spans have each id and each
/// parent id names two spans, a graph in which paths double at every level.
/// Each span is still rendered once, and the render returns at once.
#[test]
fn spans_whose_ids_repeat_render_once_each() {
    let (tracer, _) = recorder();
    let tracer = tracer.with_ids(ctxtrace::Ids::Sequential);
    let root = Ctx::new(tracer.clone(), NopLogger);
    let (r_ctx, r) = root.start_span("r"); // id 1
    let (s_ctx, s) = r_ctx.start_span("s"); // id 2, under 1
    let _ = tracer.clone().with_ids(ctxtrace::Ids::Sequential);
    let t1 = s_ctx.start_span("t1"); // id 1 again, under 2
    let t2 = s_ctx.start_span("t2"); // id 2 again, under 2
    drop((t1, t2, s, r));
    let spans = tracer.spans();
    let ids: Vec<u64> = spans.iter().map(|s| s.span_id().0).collect();
    assert_eq!(ids.iter().filter(|&&id| id == 1).count(), 2, "{ids:?}");
    let rendered = spans.render();
    assert_eq!(rendered.lines().count(), 4, "{rendered}");
    for name in ["r", "s", "t1", "t2"] {
        assert_eq!(lines_of(&rendered, name), 1, "{name} in\n{rendered}");
    }
    let below_s = spans.render_tree(spans.find("s").unwrap());
    assert_eq!(below_s.lines().count(), 3, "{below_s}");
}

/// Ids that loop: a remote parent whose span id is the one the recorder's
/// counter gives next, so the span is its own parent and no root reaches
/// it. It is rendered, once, after the trees.
#[test]
fn spans_in_a_loop_of_ids_are_rendered_after_the_trees() {
    let (tracer, root) = recorder();
    let tracer = tracer.with_ids(ctxtrace::Ids::Sequential);
    drop(root.start_span("tree")); // id 1, a root
    let remote = ctxtrace::TraceContext::from_values(
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000002-01",
        [""; 0],
    )
    .unwrap();
    let (ctx, looped) = root.with_remote_parent(&remote).start_span("looped"); // id 2, under 2
    drop((ctx.start_span("child"), looped)); // id 3, under 2
    let spans = tracer.spans();
    let looped = spans.find("looped").unwrap();
    assert_eq!(looped.parent_id(), Some(looped.span_id()));
    assert_eq!(spans.roots().count(), 1);
    let rendered = spans.render();
    let lines: Vec<&str> = rendered.lines().collect();
    assert_eq!(lines.len(), 3, "{rendered}");
    assert!(lines[0].starts_with("tree "), "{rendered}");
    assert!(lines[1].starts_with("looped "), "{rendered}");
    assert!(lines[2].starts_with("  child "), "{rendered}");
    assert_eq!(spans.render_tree(looped).lines().count(), 2);
}
