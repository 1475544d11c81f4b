//! The pod sync sequence of a node agent: six nested spans per queue key,
//! each with one or two fields and an ok status, recorded in memory.
//!
//! ```text
//! handle_queue_item        key, worker
//!   sync_handler           key
//!     sync_pod             pod, namespace
//!       create_or_update_pod   uid
//!         provider.create_pod  containers
//!           provider.pull_image    image, attempt
//! ```
//!
//! Columns: a hand-written recorder (baseline), `MemoryTracer` with the
//! default clock and with a TSC clock, `tracing` (`Registry` + memory layer),
//! fastrace (a root span and five thread-local spans, in-memory reporter)
//! and the OpenTelemetry SDK (in-memory exporter, simple processor, parents
//! passed as explicit `Context`s). Stores are bounded as in `record.rs`.
//! One iteration is one key: six spans.

mod common;

use std::hint::black_box;

use common::{HandRecorder, KEEP, TscClock, input, timed_chunks};
use criterion::{Criterion, criterion_group, criterion_main};
use ctxtrace::{Clock, Ctx, Logger, MemoryTracer, NopLogger, Span as _, SystemClock, Tracer};

const CHUNK: u64 = (KEEP / 6) as u64;

/// One queue item.
#[derive(Debug)]
struct Item {
    key: String,
    worker: u64,
    pod: String,
    namespace: String,
    uid: String,
    containers: usize,
    image: String,
    attempt: u32,
}

impl Item {
    fn new() -> Self {
        Item {
            key: "default/web-7c9f5d-x2kq4".to_string(),
            worker: 3,
            pod: "web-7c9f5d-x2kq4".to_string(),
            namespace: "default".to_string(),
            uid: "0f6a2c1e-5b7d-4e21-9a3c-8d4b2f1e7c60".to_string(),
            containers: 3,
            image: "registry.local/web:1.27".to_string(),
            attempt: 1,
        }
    }
}

type Ok = Result<(), std::io::Error>;

#[inline(always)]
fn nested_ctxtrace<T: Tracer, L: Logger>(ctx: &Ctx<T, L>, item: &Item) {
    let (ctx, mut s1) = ctx.start_span("handle_queue_item");
    let ctx = s1.with_field(&ctx, "key", item.key.as_str());
    let ctx = s1.with_field(&ctx, "worker", item.worker);
    {
        let (ctx, mut s2) = ctx.start_span("sync_handler");
        let ctx = s2.with_field(&ctx, "key", item.key.as_str());
        {
            let (ctx, mut s3) = ctx.start_span("sync_pod");
            let ctx = s3.with_field(&ctx, "pod", item.pod.as_str());
            let ctx = s3.with_field(&ctx, "namespace", item.namespace.as_str());
            {
                let (ctx, mut s4) = ctx.start_span("create_or_update_pod");
                let ctx = s4.with_field(&ctx, "uid", item.uid.as_str());
                {
                    let (ctx, mut s5) = ctx.start_span("provider.create_pod");
                    let ctx = s5.with_field(&ctx, "containers", item.containers);
                    {
                        let (ctx, mut s6) = ctx.start_span("provider.pull_image");
                        let ctx = s6.with_field(&ctx, "image", item.image.as_str());
                        let _ctx = s6.with_field(&ctx, "attempt", item.attempt);
                        s6.set_status(&Ok::Ok(()));
                    }
                    s5.set_status(&Ok::Ok(()));
                }
                s4.set_status(&Ok::Ok(()));
            }
            s3.set_status(&Ok::Ok(()));
        }
        s2.set_status(&Ok::Ok(()));
    }
    s1.set_status(&Ok::Ok(()));
}

#[inline(always)]
fn nested_hand<C: Clock>(rec: &HandRecorder<C>, item: &Item) {
    let mut s1 = rec.start(0, "handle_queue_item");
    s1.str("key", &item.key);
    s1.u64("worker", item.worker);
    let mut s2 = rec.start(s1.id, "sync_handler");
    s2.str("key", &item.key);
    let mut s3 = rec.start(s2.id, "sync_pod");
    s3.str("pod", &item.pod);
    s3.str("namespace", &item.namespace);
    let mut s4 = rec.start(s3.id, "create_or_update_pod");
    s4.str("uid", &item.uid);
    let mut s5 = rec.start(s4.id, "provider.create_pod");
    s5.u64("containers", item.containers as u64);
    let mut s6 = rec.start(s5.id, "provider.pull_image");
    s6.str("image", &item.image);
    s6.u64("attempt", u64::from(item.attempt));
    for mut span in [s6, s5, s4, s3, s2, s1] {
        span.ok = true;
        rec.end(span);
    }
}

#[inline(always)]
fn nested_tracing(item: &Item) {
    use tracing::field::Empty;
    let s1 = tracing::info_span!(
        "handle_queue_item",
        key = item.key.as_str(),
        worker = item.worker,
        status = Empty
    );
    let e1 = s1.enter();
    {
        let s2 = tracing::info_span!("sync_handler", key = item.key.as_str(), status = Empty);
        let _e2 = s2.enter();
        {
            let s3 = tracing::info_span!(
                "sync_pod",
                pod = item.pod.as_str(),
                namespace = item.namespace.as_str(),
                status = Empty
            );
            let _e3 = s3.enter();
            {
                let s4 = tracing::info_span!(
                    "create_or_update_pod",
                    uid = item.uid.as_str(),
                    status = Empty
                );
                let _e4 = s4.enter();
                {
                    let s5 = tracing::info_span!(
                        "provider.create_pod",
                        containers = item.containers,
                        status = Empty
                    );
                    let _e5 = s5.enter();
                    {
                        let s6 = tracing::info_span!(
                            "provider.pull_image",
                            image = item.image.as_str(),
                            attempt = item.attempt,
                            status = Empty
                        );
                        let _e6 = s6.enter();
                        s6.record("status", "ok");
                    }
                    s5.record("status", "ok");
                }
                s4.record("status", "ok");
            }
            s3.record("status", "ok");
        }
        s2.record("status", "ok");
    }
    s1.record("status", "ok");
    drop(e1);
}

#[inline(always)]
fn nested_fastrace(item: &Item) {
    use fastrace::prelude::*;
    let root = Span::root("handle_queue_item", SpanContext::random()).with_properties(|| {
        [
            ("key", item.key.clone()),
            ("worker", item.worker.to_string()),
        ]
    });
    {
        let _guard = root.set_local_parent();
        let _s2 = LocalSpan::enter_with_local_parent("sync_handler")
            .with_property(|| ("key", item.key.clone()));
        {
            let _s3 = LocalSpan::enter_with_local_parent("sync_pod").with_properties(|| {
                [
                    ("pod", item.pod.clone()),
                    ("namespace", item.namespace.clone()),
                ]
            });
            {
                let _s4 = LocalSpan::enter_with_local_parent("create_or_update_pod")
                    .with_property(|| ("uid", item.uid.clone()));
                {
                    let _s5 = LocalSpan::enter_with_local_parent("provider.create_pod")
                        .with_property(|| ("containers", item.containers.to_string()));
                    {
                        let _s6 = LocalSpan::enter_with_local_parent("provider.pull_image")
                            .with_properties(|| {
                                [
                                    ("image", item.image.clone()),
                                    ("attempt", item.attempt.to_string()),
                                ]
                            });
                        LocalSpan::add_property(|| ("status", "ok"));
                    }
                    LocalSpan::add_property(|| ("status", "ok"));
                }
                LocalSpan::add_property(|| ("status", "ok"));
            }
            LocalSpan::add_property(|| ("status", "ok"));
        }
        LocalSpan::add_property(|| ("status", "ok"));
    }
    root.add_property(|| ("status", "ok"));
}

#[inline(always)]
fn nested_otel<T>(tracer: &T, item: &Item)
where
    T: opentelemetry::trace::Tracer,
    T::Span: Send + Sync + 'static,
{
    use opentelemetry::trace::{Status, TraceContextExt as _};
    use opentelemetry::{Context, KeyValue};
    let start = |name: &'static str, parent: &Context, attributes: Vec<KeyValue>| {
        let span = tracer
            .span_builder(name)
            .with_attributes(attributes)
            .start_with_context(tracer, parent);
        parent.with_span(span)
    };
    let end = |cx: Context| {
        cx.span().set_status(Status::Ok);
        cx.span().end();
    };
    let root = Context::new();
    let c1 = start(
        "handle_queue_item",
        &root,
        vec![
            KeyValue::new("key", item.key.clone()),
            KeyValue::new("worker", item.worker as i64),
        ],
    );
    let c2 = start(
        "sync_handler",
        &c1,
        vec![KeyValue::new("key", item.key.clone())],
    );
    let c3 = start(
        "sync_pod",
        &c2,
        vec![
            KeyValue::new("pod", item.pod.clone()),
            KeyValue::new("namespace", item.namespace.clone()),
        ],
    );
    let c4 = start(
        "create_or_update_pod",
        &c3,
        vec![KeyValue::new("uid", item.uid.clone())],
    );
    let c5 = start(
        "provider.create_pod",
        &c4,
        vec![KeyValue::new("containers", item.containers as i64)],
    );
    let c6 = start(
        "provider.pull_image",
        &c5,
        vec![
            KeyValue::new("image", item.image.clone()),
            KeyValue::new("attempt", i64::from(item.attempt)),
        ],
    );
    for cx in [c6, c5, c4, c3, c2, c1] {
        end(cx);
    }
}

fn nested(c: &mut Criterion) {
    let item = Item::new();
    let fastrace_spans = common::fastrace_memory();
    let mut group = c.benchmark_group("nested");

    let hand = HandRecorder::new(SystemClock::new());
    group.bench_function("baseline", |b| {
        b.iter_custom(|iters| {
            timed_chunks(
                iters,
                CHUNK,
                || nested_hand(input(&hand), input(&item)),
                || {},
            )
        })
    });

    let tracer = MemoryTracer::with_capacity(KEEP);
    let ctx = Ctx::new(tracer.clone(), NopLogger);
    group.bench_function("ctxtrace", |b| {
        b.iter_custom(|iters| {
            timed_chunks(
                iters,
                CHUNK,
                || nested_ctxtrace(input(&ctx), input(&item)),
                || {},
            )
        })
    });
    if tracer.started() > 0 {
        let spans = tracer.spans();
        let leaf = spans
            .iter()
            .rev()
            .find(|s| s.name() == "provider.pull_image")
            .expect("recorded");
        assert_eq!(spans.ancestors(leaf).count(), 5);
    }

    let ctx = Ctx::new(
        MemoryTracer::with_clock_and_capacity(TscClock::new(), KEEP),
        NopLogger,
    );
    group.bench_function("ctxtrace_tsc_clock", |b| {
        b.iter_custom(|iters| {
            timed_chunks(
                iters,
                CHUNK,
                || nested_ctxtrace(input(&ctx), input(&item)),
                || {},
            )
        })
    });

    let (dispatch, layer) = common::tracing_memory(SystemClock::new());
    group.bench_function("tracing", |b| {
        let _default = tracing::dispatcher::set_default(&dispatch);
        b.iter_custom(|iters| {
            timed_chunks(
                iters,
                CHUNK,
                || nested_tracing(input(&item)),
                || layer.clear(),
            )
        })
    });

    group.bench_function("fastrace", |b| {
        b.iter_custom(|iters| timed_chunks(iters, CHUNK, || nested_fastrace(input(&item)), || {}))
    });

    let (_provider, otel, exporter) = common::otel_memory();
    group.bench_function("otel_sdk", |b| {
        b.iter_custom(|iters| {
            timed_chunks(
                iters,
                CHUNK,
                || nested_otel(input(&otel), input(&item)),
                || exporter.reset(),
            )
        })
    });
    group.finish();

    // fastrace reports on its collector thread: give it a moment.
    fastrace::flush();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let reported = fastrace_spans.lock().unwrap().len();
    println!("fastrace: {reported} span records in the reporter's store");

    // All-thread CPU time per key, printed when asked (`CPU_PER_OP=1`): it
    // runs the recorded columns again, outside criterion's filter.
    if std::env::var_os("CPU_PER_OP").is_some() {
        const N: u64 = 100_000;
        println!();
        common::print_cpu_per_op(
            "ctxtrace (x6 spans)",
            N,
            |n| (0..n).for_each(|_| nested_ctxtrace(input(&ctx), input(&item))),
            || {},
        );
        tracing::dispatcher::with_default(&dispatch, || {
            common::print_cpu_per_op(
                "tracing (x6 spans)",
                N,
                |n| (0..n).for_each(|_| nested_tracing(input(&item))),
                || layer.clear(),
            );
        });
        common::print_cpu_per_op(
            "fastrace (x6 spans)",
            N,
            |n| (0..n).for_each(|_| nested_fastrace(input(&item))),
            || {},
        );
        common::print_cpu_per_op(
            "otel_sdk (x6 spans)",
            N,
            |n| (0..n).for_each(|_| nested_otel(input(&otel), input(&item))),
            || exporter.reset(),
        );
    }
    black_box(&item);
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = nested
}
criterion_main!(benches);
