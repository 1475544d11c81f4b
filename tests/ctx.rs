//! `Ctx`: span parents, threads, fields shared by spans and log lines, the
//! `method` field, `in_span`, and log lines as span events.
#![cfg(feature = "std")]

mod common;

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::thread;

use common::{RecCtx, recorder};
use ctxtrace::{
    Ctx, Level, ManualClock, MemoryLogger, MemoryTracer, NopLogger, NopTracer, Span, SpanId,
    Status, StatusCode, TraceId, Value,
};

fn assert_clone_send_sync<T: Clone + Send + Sync>() {}
fn assert_send<T: Send>() {}

#[test]
fn ctx_is_clone_send_sync_when_its_parts_are() {
    assert_clone_send_sync::<Ctx<NopTracer, NopLogger>>();
    assert_clone_send_sync::<Ctx<MemoryTracer, MemoryLogger>>();
    assert_clone_send_sync::<RecCtx>();
    assert_clone_send_sync::<Ctx<(MemoryTracer, NopTracer), (NopLogger, MemoryLogger)>>();
    // The spans themselves can be moved to another thread and ended there.
    assert_send::<ctxtrace::MemorySpan<ManualClock>>();
    assert_send::<ctxtrace::NopSpan>();

    // A clone starts spans with the same parent as the original.
    let rec = recorder();
    let (ctx, parent) = rec.ctx.start_span("parent");
    let copy = ctx.clone();
    drop(ctx.start_span("from_original"));
    drop(copy.start_span("from_clone"));
    drop(parent);
    let spans = rec.tracer.spans();
    let parent = spans.find("parent").unwrap();
    assert_eq!(
        spans.find("from_original").unwrap().parent_id(),
        Some(parent.span_id())
    );
    assert_eq!(
        spans.find("from_clone").unwrap().parent_id(),
        Some(parent.span_id())
    );
}

#[test]
fn parents_link_across_three_levels() {
    let rec = recorder();
    let (ctx1, s1) = rec.ctx.start_span("level1");
    let (ctx2, s2) = ctx1.start_span("level2");
    let (_ctx3, s3) = ctx2.start_span("level3");
    drop((s3, s2, s1));

    let spans = rec.tracer.spans();
    assert_eq!(spans.len(), 3);
    let l1 = spans.find("level1").unwrap();
    let l2 = spans.find("level2").unwrap();
    let l3 = spans.find("level3").unwrap();
    assert_eq!(l1.parent_id(), None);
    assert_eq!(l2.parent_id(), Some(l1.span_id()));
    assert_eq!(l3.parent_id(), Some(l2.span_id()));
    assert_eq!(l1.trace_id(), l2.trace_id());
    assert_eq!(l2.trace_id(), l3.trace_id());
    let ancestors: Vec<&str> = spans.ancestors(l3).map(|s| s.name()).collect();
    assert_eq!(ancestors, ["level2", "level1"]);

    // The old contexts are unchanged: a span started from ctx1 again is a
    // sibling of level2, and one from the root is a new trace.
    drop(ctx1.start_span("level2b"));
    drop(rec.ctx.start_span("other_root"));
    let spans = rec.tracer.spans();
    let l2b = spans.find("level2b").unwrap();
    assert_eq!(l2b.parent_id(), Some(SpanId(1)));
    let other = spans.find("other_root").unwrap();
    assert_eq!(other.parent_id(), None);
    assert_ne!(other.trace_id(), l2b.trace_id());
}

#[test]
fn a_child_ctx_moved_into_a_thread_parents_the_spans_started_there() {
    let rec = recorder();
    let (ctx, parent) = rec.ctx.start_span("handle_queue");
    let parent_ids = ctx.span_ids().unwrap();

    let workers: Vec<_> = (0..2)
        .map(|n| {
            let ctx = ctx.clone();
            thread::spawn(move || {
                let (ctx, mut span) = ctx.start_span(if n == 0 { "worker0" } else { "worker1" });
                let ctx = span.with_field(&ctx, "worker", n);
                let (_ctx, inner) = ctx.start_span("inner");
                drop(inner);
                span.end();
                format!("{:?}", thread::current().id())
            })
        })
        .collect();
    let threads: Vec<String> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    drop(parent);

    let spans = rec.tracer.spans();
    assert_eq!(spans.len(), 5);
    for (n, name) in ["worker0", "worker1"].into_iter().enumerate() {
        let worker = spans.find(name).unwrap();
        assert_eq!(worker.parent_id(), Some(parent_ids.span_id));
        assert_eq!(worker.trace_id(), parent_ids.trace_id);
        assert_eq!(worker.attribute("worker"), Some(Value::U64(n as u64)));
        assert_eq!(format!("ThreadId({})", worker.thread()), threads[n]);
        let inner: Vec<_> = spans.children(worker).collect();
        assert_eq!(inner.len(), 1);
        assert_eq!(inner[0].name(), "inner");
        assert_eq!(inner[0].trace_id(), parent_ids.trace_id);
    }
    assert_eq!(spans.find_all("inner").count(), 2);
}

#[test]
fn span_fields_reach_the_span_and_later_lines_under_it_only() {
    let rec = recorder();
    let (ctx, mut span) = rec.ctx.start_span("sync_pod");
    ctxtrace::info!(ctx, "before");
    let ctx = span.with_field(&ctx, "pod", "web-1");
    ctxtrace::info!(ctx, "after");
    let (child_ctx, child) = ctx.start_span("provider.create_pod");
    ctxtrace::warn!(child_ctx, "in child");
    drop(child);
    drop(span);

    // A sibling span started from the root knows nothing of the field.
    let (sibling_ctx, sibling) = rec.ctx.start_span("sibling");
    ctxtrace::info!(sibling_ctx, "in sibling");
    drop(sibling);

    let entries = rec.logger.entries();
    let messages: Vec<&str> = entries.iter().map(|e| e.message()).collect();
    assert_eq!(messages, ["before", "after", "in child", "in sibling"]);
    assert!(entries[0].field("pod").is_none());
    assert_eq!(entries[1].field("pod").unwrap().to_string(), "web-1");
    assert_eq!(entries[2].field("pod").unwrap().to_string(), "web-1");
    assert!(entries[3].field("pod").is_none());

    let spans = rec.tracer.spans();
    let sync = spans.find("sync_pod").unwrap();
    assert_eq!(sync.attribute("pod"), Some(Value::Str("web-1")));
    assert_eq!(sync.attributes().count(), 1);
    assert_eq!(
        spans
            .find("provider.create_pod")
            .unwrap()
            .attributes()
            .count(),
        0
    );
    assert_eq!(spans.find("sibling").unwrap().attributes().count(), 0);
}

#[test]
fn with_fields_sets_several_fields_on_both() {
    let rec = recorder();
    let (ctx, mut span) = rec.ctx.start_span("sync_pod");
    let ctx = span.with_fields(
        &ctx,
        &[
            ctxtrace::Field::new("pod", "web-1"),
            ctxtrace::Field::new("attempt", &2u32),
        ],
    );
    ctxtrace::info!(ctx, "synced");
    drop(span);

    let entry = &rec.logger.entries()[0];
    assert_eq!(entry.field("pod").unwrap().to_string(), "web-1");
    assert_eq!(entry.field("attempt").unwrap().to_string(), "2");
    let spans = rec.tracer.spans();
    let attrs: Vec<(&str, String)> = spans
        .find("sync_pod")
        .unwrap()
        .attributes()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    assert_eq!(
        attrs,
        [("pod", "web-1".to_string()), ("attempt", "2".to_string())]
    );
}

#[test]
fn ctx_with_field_reaches_the_logger_only() {
    let rec = recorder();
    let (ctx, span) = rec.ctx.start_span("sync_pod");
    let with = ctx.with_field("workerId", 7);
    ctxtrace::info!(with, "with the field");
    ctxtrace::info!(ctx, "the old ctx is unchanged");
    drop(span);

    let entries = rec.logger.entries();
    assert_eq!(entries[0].field("workerId").unwrap().to_string(), "7");
    assert!(entries[1].field("workerId").is_none());
    let spans = rec.tracer.spans();
    let sync = spans.find("sync_pod").unwrap();
    assert_eq!(sync.attributes().count(), 0);
    // The span event carries the entry's own fields, not the logger's.
    assert_eq!(sync.events().count(), 2);
    assert!(sync.events().all(|e| e.field("workerId").is_none()));
}

#[test]
fn the_logger_of_a_span_carries_its_name_as_method() {
    let rec = recorder();
    ctxtrace::info!(rec.ctx, "at the root");
    let (ctx, outer) = rec.ctx.start_span("handle_queue_item");
    ctxtrace::info!(ctx, "in outer");
    let (inner_ctx, inner) = ctx.start_span("sync_pod");
    ctxtrace::info!(inner_ctx, "in inner");
    drop((inner, outer));

    let entries = rec.logger.entries();
    assert!(entries[0].field("method").is_none());
    assert_eq!(
        entries[1].field("method").unwrap().to_string(),
        "handle_queue_item"
    );
    // The nearest span's name wins.
    assert_eq!(entries[2].field("method").unwrap().to_string(), "sync_pod");
}

#[test]
fn span_fields_reach_the_logger_with_the_nop_tracer() {
    // virtual-kubelet issue 965: the seed's nop span dropped the field.
    let logger = MemoryLogger::new();
    let ctx = Ctx::new(NopTracer, logger.clone());
    let (ctx, mut span) = ctx.start_span("sync_pod");
    let ctx = span.with_field(&ctx, "pod", "web-1");
    let ctx = span.with_fields(&ctx, &[ctxtrace::Field::new("namespace", "default")]);
    ctxtrace::info!(ctx, "syncing");
    span.end();

    let entries = logger.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].field("pod").unwrap().to_string(), "web-1");
    assert_eq!(
        entries[0].field("namespace").unwrap().to_string(),
        "default"
    );
    assert_eq!(entries[0].field("method").unwrap().to_string(), "sync_pod");
    assert_eq!(entries[0].span_ids(), None);
}

#[test]
fn in_span_sets_the_status_and_returns_the_result() {
    let rec = recorder();
    let ok: Result<u32, io::Error> = rec.ctx.in_span("ok_op", |ctx| {
        ctxtrace::info!(ctx, "inside");
        Ok(42)
    });
    assert_eq!(ok.unwrap(), 42);
    let err: Result<u32, io::Error> = rec.ctx.in_span("err_op", |_| {
        Err(io::Error::new(io::ErrorKind::PermissionDenied, "no access"))
    });
    assert_eq!(err.unwrap_err().to_string(), "no access");

    let spans = rec.tracer.spans();
    let ok_span = spans.find("ok_op").unwrap();
    assert_eq!(ok_span.status(), Status::Ok);
    assert_eq!(ok_span.events().next().unwrap().message(), "inside");
    assert_eq!(
        spans.find("err_op").unwrap().status(),
        Status::Error {
            code: StatusCode::PermissionDenied,
            message: "no access"
        }
    );
    assert_eq!(
        rec.logger.entries()[0].field("method").unwrap().to_string(),
        "ok_op"
    );
}

/// Polls `future` once with a waker that does nothing.
fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// A future that is pending on its first poll and ready on the second.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[test]
fn in_span_async_mirrors_in_span_without_a_runtime() {
    let rec = recorder();
    let clock = rec.clock.clone();
    let ok = rec.ctx.in_span_async("ok_op", |ctx| async move {
        ctxtrace::info!(ctx, "inside");
        YieldOnce(false).await;
        let inner: Result<(), io::Error> = ctx
            .in_span_async("err_op", |_ctx| async {
                Err(io::Error::new(io::ErrorKind::PermissionDenied, "no access"))
            })
            .await;
        assert!(inner.is_err());
        Ok::<_, io::Error>(42)
    });
    let mut ok = pin!(ok);
    // Nothing starts before the first poll.
    clock.advance(std::time::Duration::from_millis(5));
    assert_eq!(rec.tracer.open(), 0);
    assert!(poll_once(ok.as_mut()).is_pending());
    assert_eq!(rec.tracer.open(), 1);
    clock.advance(std::time::Duration::from_millis(7));
    assert!(matches!(poll_once(ok.as_mut()), Poll::Ready(Ok(42))));

    let spans = rec.tracer.spans();
    let ok_span = spans.find("ok_op").unwrap();
    assert_eq!(ok_span.status(), Status::Ok);
    assert_eq!(ok_span.start_unix_nanos(), 5_000_000);
    assert_eq!(ok_span.duration(), std::time::Duration::from_millis(7));
    assert_eq!(ok_span.events().next().unwrap().message(), "inside");
    let err_span = spans.find("err_op").unwrap();
    assert_eq!(spans.parent(err_span).unwrap().name(), "ok_op");
    assert_eq!(
        err_span.status(),
        Status::Error {
            code: StatusCode::PermissionDenied,
            message: "no access"
        }
    );
    assert_eq!(
        rec.logger.entries()[0].field("method").unwrap().to_string(),
        "ok_op"
    );
}

#[test]
fn in_span_async_dropped_before_it_completes_is_cancelled() {
    let rec = recorder();
    {
        let slow = rec.ctx.in_span_async("slow", |ctx| async move {
            ctx.in_span_async("slower", |_ctx| async {
                YieldOnce(false).await;
                Ok::<(), io::Error>(())
            })
            .await
        });
        let mut slow = pin!(slow);
        assert!(poll_once(slow.as_mut()).is_pending());
    }
    // Never polled: no span at all.
    drop(
        rec.ctx
            .in_span_async("never", |_ctx| async { Ok::<(), io::Error>(()) }),
    );

    let spans = rec.tracer.spans();
    assert_eq!(spans.len(), 2);
    for name in ["slow", "slower"] {
        assert_eq!(
            spans.find(name).unwrap().status(),
            Status::Error {
                code: StatusCode::Cancelled,
                message: "cancelled: the future was dropped before it completed"
            },
            "{name}"
        );
    }
    assert_eq!(rec.tracer.open(), 0);
}

#[test]
fn in_span_async_panicking_while_polled_is_an_error_not_cancelled() {
    let rec = recorder();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let boom = rec.ctx.in_span_async("boom", |_ctx| async {
            if true {
                panic!("provider bug");
            }
            Ok::<(), io::Error>(())
        });
        let _ = poll_once(pin!(boom));
    }));
    assert!(caught.is_err());
    let spans = rec.tracer.spans();
    let status = spans.find("boom").unwrap().status();
    assert_eq!(status.code(), Some(StatusCode::Internal));
}

#[test]
fn a_span_dropped_without_a_status_and_not_panicking_stays_unset() {
    let rec = recorder();
    drop(rec.ctx.start_span("dropped"));
    let (_ctx, span) = rec.ctx.start_span("ended");
    span.end();
    let spans = rec.tracer.spans();
    assert_eq!(spans.find("dropped").unwrap().status(), Status::Unset);
    assert_eq!(spans.find("ended").unwrap().status(), Status::Unset);
}

#[test]
fn lines_under_a_span_become_its_events() {
    let rec = recorder();
    let (ctx, span) = rec.ctx.start_span("sync_pod");
    rec.clock.set(1_000);
    ctxtrace::warn!(ctx, "slow by {}ms", 250; pod = "web-1", retry = true);
    rec.clock.set(2_000);
    ctxtrace::debug!(ctx, "detail");
    let ids = ctx.span_ids().unwrap();
    drop(span);

    let spans = rec.tracer.spans();
    let sync = spans.find("sync_pod").unwrap();
    let events: Vec<_> = sync.events().collect();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].level(), Level::Warn);
    assert_eq!(events[0].message(), "slow by 250ms");
    assert_eq!(events[0].unix_nanos(), 1_000);
    let fields: Vec<(&str, Value<'_>)> = events[0].fields().collect();
    assert_eq!(
        fields,
        [("pod", Value::Str("web-1")), ("retry", Value::Bool(true))]
    );
    assert_eq!(events[1].level(), Level::Debug);
    assert_eq!(events[1].message(), "detail");
    assert_eq!(events[1].fields().count(), 0);
    assert_eq!(events[1].unix_nanos(), 2_000);

    // The logger saw the same lines, tagged with the span's ids.
    let entries = rec.logger.entries();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].span_ids(), Some(ids));
    assert_eq!(ids.trace_id, TraceId(1));
    assert_eq!(ids.span_id, SpanId(1));
}

#[test]
fn lines_at_the_root_are_no_events() {
    let rec = recorder();
    ctxtrace::info!(rec.ctx, "no span here");
    assert_eq!(rec.logger.entries().len(), 1);
    assert_eq!(rec.logger.entries()[0].span_ids(), None);
    assert_eq!(rec.tracer.late_events(), 0);
    assert!(rec.tracer.spans().is_empty());
}

#[test]
fn lines_logged_after_the_span_ended_are_late_events() {
    let rec = recorder();
    let (ctx, span) = rec.ctx.start_span("short");
    ctxtrace::info!(ctx, "in time");
    span.end();
    ctxtrace::info!(ctx, "too late");
    ctxtrace::error!(ctx, "later still");
    // A new span reusing the ended span's slot does not take the late lines.
    let (new_ctx, new_span) = rec.ctx.start_span("next");
    ctxtrace::info!(ctx, "late again");
    ctxtrace::info!(new_ctx, "for next");
    drop(new_span);

    assert_eq!(rec.tracer.late_events(), 3);
    let spans = rec.tracer.spans();
    let short: Vec<&str> = spans
        .find("short")
        .unwrap()
        .events()
        .map(|e| e.message())
        .collect();
    assert_eq!(short, ["in time"]);
    let next: Vec<&str> = spans
        .find("next")
        .unwrap()
        .events()
        .map(|e| e.message())
        .collect();
    assert_eq!(next, ["for next"]);
    // The logger still writes them all.
    assert_eq!(rec.logger.entries().len(), 5);
}
