//! A simulated node agent: the pod controller of virtual-kubelet, traced and
//! logged with ctxtrace.
//!
//! The program plays three parts:
//!
//! - **Kubernetes** ([`api`]). An in-memory API server holds `--pods` pods.
//!   Each round, it adds, updates and deletes some of them, and the
//!   informer's event handlers ([`informer`]: `AddFunc`, `UpdateFunc`,
//!   `DeleteFunc`) put the pod's key on a work queue ([`work_queue`]).
//! - **The pod controller** ([`controller`]). `--workers` threads take keys
//!   off the queue. For each key, `handleQueueItem` runs
//!   `syncPodFromKubernetes`. That deletes the pod from the provider, or runs
//!   `syncPodInProvider` and `createOrUpdatePod`, which call the provider. A
//!   failed sync is requeued, at most
//!   [`MAX_RETRIES`](reconcile::MAX_RETRIES) times. Every
//!   [`STATUS_SYNC_EVERY`](reconcile::STATUS_SYNC_EVERY) rounds, once the
//!   queue is empty, the status sync (`updatePodStatuses`) asks the provider
//!   for each pod's status, one `updatePodStatus` span per pod, and writes
//!   changes back.
//! - **The provider** ([`provider`]). A mock that keeps pods in memory. Some
//!   of its calls fail with `NotFound` or `InvalidInput`. A small
//!   deterministic generator ([`rng`]) makes that choice, so every run with
//!   the same `--pods` and `--iterations` does the same work and fails the
//!   same calls, whatever the backend and the number of workers.
//!
//! All tracing and logging goes through a [`Ctx<T, L>`](ctxtrace::Ctx). The
//! controller is written once, generic over the tracer `T` and the logger `L`,
//! and [`backend`] picks both from `--backend`:
//!
//! | `--backend`      | tracer         | logger                             |
//! |------------------|----------------|------------------------------------|
//! | `nop`            | `NopTracer`    | `NopLogger`: both compile away     |
//! | `memory`         | `MemoryTracer` | `MemoryLogger`                     |
//! | `text`           | `MemoryTracer` | `TextLogger` (logfmt)              |
//! | `json` (default) | `MemoryTracer` | `JsonLogger`                       |
//!
//! The text and json backends record spans in memory too, so that their lines
//! carry `trace_id` and `span_id` and the summary can show a span tree. Their
//! lines go through a [`NonBlocking`](ctxtrace::NonBlocking) writer, so a slow
//! destination never holds up a sync; the summary counts any line it dropped.
//!
//! `pod_sync_async` runs the same controller on tokio, and shares every
//! module here but [`controller`], [`work_queue`] and this one.
//!
//! A summary goes to stdout, one `key: value` per line ([`report`]): the
//! syncs run and how fast, errors by status code, lines written, spans
//! recorded, the span tree of one failed sync, and where the lines went. The
//! text and json lines go to stderr, or to `--log-file PATH`. When stderr is
//! a terminal and no `--log-file` is given, they go to
//! `ctxtrace-pod_sync-<pid>.log` in the temporary directory instead, and the
//! summary ends with the file's name and its first lines.
//!
//! `--trace-out PATH` writes the recorded spans as a Trace Event file (one
//! track per worker, for Perfetto or speedscope), and `--folded-out PATH` as
//! folded stacks (for `inferno-flamegraph`), with [`export`]; the summary
//! says how to look at each.
//!
//! # Running it
//!
//! ```text
//! cargo run --release --example pod_sync                   # summary here, JSON lines in a file
//! cargo run --release --example pod_sync 2>lines.jsonl     # summary here, JSON lines there
//! cargo run --release --example pod_sync -- --backend text 2>&1 | less
//! cargo run --release --example pod_sync -- --backend nop --pods 500 --seconds 5
//! cargo run --release --example pod_sync -- --backend memory --iterations 100 \
//!     --trace-out run.json --folded-out run.folded   # a timeline and a flame graph
//! cargo run --release --example pod_sync -- --help
//! ```

mod api;
mod backend;
mod controller;
mod export;
mod informer;
mod lock;
mod options;
mod provider;
mod queue;
mod reconcile;
mod report;
mod rng;
mod work_queue;

use std::io::{self, Write};
use std::process::ExitCode;
use std::thread;
use std::time::Instant;

use ctxtrace::{Ctx, SendLogger, SendTracer};

use crate::backend::Controller;
use crate::controller::PodController;
use crate::options::{Options, Program};
use crate::reconcile::STATUS_SYNC_EVERY;
use crate::report::RunReport;

const PROGRAM: Program = Program {
    name: "pod_sync",
    about: "A simulated node agent that syncs pods into a provider, traced with ctxtrace.",
    workers_are: "threads",
    default_workers: 2,
    default_iterations: 3_000,
};

fn main() -> ExitCode {
    let opts = match Options::from_env(&PROGRAM) {
        Ok(opts) => opts,
        Err(code) => return code,
    };
    let (run, backend) = match backend::run(&PROGRAM, &opts, Threads) {
        Ok(reports) => reports,
        Err(message) => {
            let _ = writeln!(io::stderr(), "{}: {message}", PROGRAM.name);
            return ExitCode::FAILURE;
        }
    };
    match report::print_summary(&mut io::stdout().lock(), &opts, &run, &backend) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE, // stdout is closed: nowhere left to report it
    }
}

/// The controller on threads: workers on their own threads, and the
/// informer and the status sync on the main one.
struct Threads;

impl Controller for Threads {
    /// Runs the rounds `opts` asks for. With a `SendTracer` and a
    /// `SendLogger`, each worker thread can take its own clone of the context.
    fn run<T: SendTracer, L: SendLogger>(self, ctx: Ctx<T, L>, opts: &Options) -> RunReport {
        let controller = PodController::default();
        let started = Instant::now();
        let mut threads = vec![(thread::current().id(), "main: informer, status sync".into())];
        let rounds = thread::scope(|scope| {
            for worker_id in 0..opts.workers {
                let ctx = reconcile::worker_ctx(&ctx, worker_id);
                let controller = &controller;
                let worker = scope.spawn(move || controller.run_worker(&ctx));
                threads.push((worker.thread().id(), format!("worker {worker_id}")));
            }
            let mut round = 0;
            while !opts.until.reached(round, started.elapsed()) {
                informer::run_round(&ctx, &controller.kube, &controller.queue, opts.pods, round);
                controller.queue.wait_until_drained();
                if round % STATUS_SYNC_EVERY == 0 {
                    controller.update_pod_statuses(&ctx);
                }
                round += 1;
            }
            controller.queue.shut_down();
            round
        });
        RunReport {
            rounds,
            elapsed: started.elapsed(),
            stats: controller.stats,
            threads,
        }
    }
}
