//! Async code on a real multi-thread tokio runtime: `in_span_async` across
//! `tokio::spawn`, cancellation by timeout and by abort, panics in tasks, and
//! generic reconcile functions that spawn with one bound per backend.
//!
//! Left out under miri, which does not run tokio's I/O driver; the same
//! behaviour without a runtime is tested in `tests/ctx.rs`.
#![cfg(all(feature = "std", not(miri)))]

mod common;

use std::error::Error;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::recorder;
use ctxtrace::{
    Ctx, JsonLogger, MemoryLogger, MemoryTracer, NopLogger, NopTracer, SendLogger, SendTracer,
    Span, Status, StatusCode,
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap()
}

/// A provider call that fails with `NotFound` for pod "gone".
async fn provider_get(pod: &str) -> Result<u32, io::Error> {
    tokio::task::yield_now().await;
    if pod == "gone" {
        Err(io::Error::new(io::ErrorKind::NotFound, "no such pod"))
    } else {
        Ok(2)
    }
}

/// A reconcile as an async agent writes it: generic, one bound on each of
/// `T` and `L`, taking the `Ctx` by reference and spawning a task per pod.
async fn reconcile_all<T: SendTracer, L: SendLogger>(
    ctx: &Ctx<T, L>,
    pods: &[&'static str],
) -> Vec<Result<u32, anyhow::Error>> {
    let (ctx, mut span) = ctx.start_span("reconcile_all");
    let ctx = span.with_field(&ctx, "pods", pods.len());
    let mut tasks = Vec::new();
    for &pod in pods {
        tasks.push(tokio::spawn(reconcile(ctx.clone(), pod)));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("the task does not panic"));
    }
    span.set_status(&Ok::<_, io::Error>(()));
    results
}

/// One pod's reconcile, taking the `Ctx` by value, with anyhow errors.
async fn reconcile<T: SendTracer, L: SendLogger>(
    ctx: Ctx<T, L>,
    pod: &'static str,
) -> Result<u32, anyhow::Error> {
    ctx.in_span_async("reconcile", |ctx| async move {
        let ctx = ctx.with_field("pod", pod);
        ctxtrace::info!(ctx, "reconciling");
        let containers = ctx
            .in_span_async("provider.get", |_ctx| provider_get(pod))
            .await?;
        Ok(containers)
    })
    .await
}

#[test]
fn parents_and_statuses_cross_tokio_spawn() {
    let rec = recorder();
    let results = runtime().block_on(reconcile_all(&rec.ctx, &["web-1", "gone", "web-2"]));
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 2);

    let spans = rec.tracer.spans();
    assert_eq!(spans.len(), 7);
    let root = spans.find("reconcile_all").unwrap();
    assert_eq!(root.status(), Status::Ok);
    let reconciles: Vec<_> = spans.find_all("reconcile").collect();
    assert_eq!(reconciles.len(), 3);
    for reconcile in &reconciles {
        // Spawned onto other worker threads, still children of the root.
        assert_eq!(reconcile.parent_id(), Some(root.span_id()));
        assert_eq!(reconcile.trace_id(), root.trace_id());
        let get = spans.children(reconcile).next().unwrap();
        assert_eq!(get.name(), "provider.get");
        assert_eq!(get.status().code(), reconcile.status().code());
    }
    let failed: Vec<_> = reconciles
        .iter()
        .filter(|s| s.status().is_error())
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0].status(),
        Status::Error {
            code: StatusCode::NotFound,
            message: "no such pod"
        }
    );
    // Each reconcile logged one line, carrying the pod and the span's ids.
    let entries = rec.logger.entries();
    assert_eq!(entries.len(), 3);
    for entry in &entries {
        let ids = entry.span_ids().unwrap();
        let span = spans.get(ids.span_id).unwrap();
        assert_eq!(span.name(), "reconcile");
        assert_eq!(entry.field("pods").unwrap().to_string(), "3");
    }
}

#[test]
fn a_future_dropped_by_a_timeout_ends_its_span_cancelled() {
    let rec = recorder();
    let ctx = rec.ctx.clone();
    let outcome = runtime().block_on(async move {
        let slow = ctx.in_span_async("provider.create_pod", |_ctx| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok::<_, io::Error>(())
        });
        tokio::time::timeout(Duration::from_millis(5), slow).await
    });
    assert!(outcome.is_err(), "the timeout fires");
    let spans = rec.tracer.spans();
    assert_eq!(
        spans.find("provider.create_pod").unwrap().status(),
        Status::Error {
            code: StatusCode::Cancelled,
            message: "cancelled: the future was dropped before it completed"
        }
    );
    assert_eq!(rec.tracer.open(), 0);
}

#[test]
fn an_aborted_task_ends_its_spans_cancelled() {
    let rec = recorder();
    let ctx = rec.ctx.clone();
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    runtime().block_on(async move {
        let task = tokio::spawn(ctx.in_span_async("reconcile", |ctx| async move {
            ctx.in_span_async("provider.wait", |_ctx| async move {
                started_tx.send(()).unwrap();
                std::future::pending::<Result<(), io::Error>>().await
            })
            .await
        }));
        started_rx.await.unwrap();
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
    });
    let spans = rec.tracer.spans();
    for name in ["reconcile", "provider.wait"] {
        assert_eq!(
            spans.find(name).unwrap().status().code(),
            Some(StatusCode::Cancelled),
            "{name}"
        );
    }
    let wait = spans.find("provider.wait").unwrap();
    assert_eq!(spans.parent(wait).unwrap().name(), "reconcile");
}

#[test]
fn a_panic_in_a_spawned_future_is_an_error_not_a_cancellation() {
    let rec = recorder();
    let ctx = rec.ctx.clone();
    let joined = runtime().block_on(async move {
        tokio::spawn(ctx.in_span_async("reconcile", |_ctx| async {
            tokio::task::yield_now().await;
            if true {
                panic!("provider bug");
            }
            Ok::<_, io::Error>(())
        }))
        .await
    });
    assert!(joined.unwrap_err().is_panic());
    let spans = rec.tracer.spans();
    let status = spans.find("reconcile").unwrap().status();
    assert!(status.is_error());
    assert_ne!(status.code(), Some(StatusCode::Cancelled));
}

#[test]
fn the_duration_covers_every_await_from_the_first_poll() {
    let rec = recorder();
    let clock = rec.clock.clone();
    let ctx = rec.ctx.clone();
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    runtime().block_on(async move {
        let future = ctx.in_span_async("provider.pull_image", |_ctx| async move {
            started_tx.send(()).unwrap();
            go_rx.await.unwrap();
            tokio::task::yield_now().await;
            Ok::<_, io::Error>(())
        });
        // Time before the first poll does not count.
        clock.advance(Duration::from_millis(100));
        let task = tokio::spawn(future);
        started_rx.await.unwrap();
        // Time while the future waits between polls does.
        clock.advance(Duration::from_millis(250));
        go_tx.send(()).unwrap();
        task.await.unwrap().unwrap();
    });
    let spans = rec.tracer.spans();
    let span = spans.find("provider.pull_image").unwrap();
    assert_eq!(span.status(), Status::Ok);
    // First polled after the first advance, ended after the second.
    assert_eq!(span.start_unix_nanos(), 100_000_000);
    assert_eq!(span.duration(), Duration::from_millis(250));
}

/// A writer shared with the test, so lines written on worker threads can be
/// read back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Spawns `reconcile_all` with the given backends on a multi-thread runtime
/// and returns its results.
fn spawn_with<T: SendTracer, L: SendLogger>(ctx: Ctx<T, L>) -> Vec<Result<u32, anyhow::Error>> {
    runtime().block_on(async move {
        // The whole reconcile, too, is a task: the future holds `&Ctx` and
        // spans across awaits, and is `Send`.
        tokio::spawn(async move { reconcile_all(&ctx, &["web-1", "gone"]).await })
            .await
            .unwrap()
    })
}

#[test]
fn every_backend_pair_spawns_with_one_bound_each() {
    // Nop: nothing recorded, the results are the same.
    let results = spawn_with(Ctx::new(NopTracer, NopLogger));
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);

    // Memory and memory.
    let (tracer, logger) = (MemoryTracer::new(), MemoryLogger::new());
    spawn_with(Ctx::new(tracer.clone(), logger.clone()));
    assert_eq!(tracer.spans().len(), 5);
    assert_eq!(logger.entries().len(), 2);

    // Memory and JSON lines.
    let out = Shared::default();
    let tracer = MemoryTracer::new();
    spawn_with(Ctx::new(tracer.clone(), JsonLogger::new(out.clone())));
    assert_eq!(tracer.spans().len(), 5);
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        assert_eq!(line["msg"], "reconciling");
        assert_eq!(line["method"], "reconcile");
        let span_id = line["span_id"].as_str().unwrap();
        let span = tracer
            .spans()
            .iter()
            .find(|s| s.span_id().to_string() == span_id)
            .map(|s| s.name());
        assert_eq!(span, Some("reconcile"));
    }
}

#[test]
fn the_futures_are_send_and_static() {
    fn assert_spawnable<F: std::future::Future + Send + 'static>(_: &F) {}
    fn check<T: SendTracer, L: SendLogger>(ctx: &Ctx<T, L>) {
        let future = ctx.in_span_async("x", |_ctx| async {
            Ok::<(), Box<dyn Error + Send + Sync>>(())
        });
        assert_spawnable(&future);
        assert_spawnable(&reconcile(ctx.clone(), "web-1"));
    }
    let rec = recorder();
    check(&rec.ctx);
    check(&Ctx::new(NopTracer, NopLogger));
    // Nothing was polled, so nothing started.
    assert_eq!(rec.tracer.spans().len(), 0);
    assert_eq!(rec.tracer.open(), 0);
}

/// Tasks on a multi-threaded runtime, moved between workers at each
/// `.await`, log through one unlocked logger into a `NonBlocking` queue, as
/// the async agent does: every line arrives whole, with its task's fields,
/// and every one is counted.
#[test]
fn tasks_log_whole_lines_through_an_unlocked_queue() {
    const TASKS: usize = 16;
    const LINES: usize = 200;
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let (writer, guard) = ctxtrace::NonBlocking::new(Keep(Arc::clone(&bytes)), TASKS * LINES);
    let logger = JsonLogger::new(ctxtrace::Unlocked::new(writer)).without_time();
    let root = Ctx::new(NopTracer, logger.clone());
    runtime().block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|task| {
                let ctx = root.with_field("task", task);
                tokio::spawn(async move {
                    for n in 0..LINES {
                        ctxtrace::info!(ctx, "synced"; n = n);
                        tokio::task::yield_now().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    drop(root);
    assert_eq!(logger.lines(), (TASKS * LINES) as u64);
    drop(logger);
    let report = guard.finish().expect("every line written");
    assert_eq!(
        (report.written, report.dropped),
        ((TASKS * LINES) as u64, 0)
    );
    let text = String::from_utf8(bytes.lock().unwrap().clone()).unwrap();
    let mut next = [0u64; TASKS];
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a whole JSON line");
        let task = v["task"].as_u64().unwrap() as usize;
        assert_eq!(
            v["n"].as_u64(),
            Some(next[task]),
            "each task's lines in order"
        );
        next[task] += 1;
    }
    assert_eq!(next, [LINES as u64; TASKS]);
}

/// A writer for the queue's thread that keeps what it is given.
struct Keep(Arc<Mutex<Vec<u8>>>);

impl io::Write for Keep {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
