//! The simulated node agent of `pod_sync`, written as an async agent would
//! write it: the same pod controller on a multi-thread tokio runtime.
//!
//! Kubernetes, the provider, the flags, the backends and the summary are
//! `pod_sync`'s own modules, included with `#[path]`; see `pod_sync` for the
//! story. What changes is how the controller runs ([`controller`]):
//!
//! - `--workers` tasks take keys off the queue ([`work_queue`]). Each sync
//!   runs in a task of its own, spawned with `tokio::spawn`; the status sync
//!   spawns one task per pod. The generic code needs no bound but
//!   `T: SendTracer, L: SendLogger`, and the parent of every span is the one
//!   in the `Ctx` the task was given, on whichever thread it runs.
//! - Provider calls are awaited ([`client`]). Each takes a fraction of a
//!   millisecond, slept with `tokio::time::sleep`, and runs in a span of its
//!   own from `ctx.in_span_async`. A few calls hang: `tokio::time::timeout`
//!   gives up on them and drops their future, which ends their span
//!   `Cancelled`, and the sync fails with `DeadlineExceeded` and is retried.
//!   Which calls hang depends on the pod's key alone, so runs with the same
//!   flags do the same work, whatever the backend.
//!
//! The summary counts the recorded spans by status (`spans_recorded.Cancelled`
//! among them) and shows the span tree of a sync with a cancelled call.
//!
//! # Running it
//!
//! ```text
//! cargo run --release --example pod_sync_async                 # summary here, JSON lines in a file
//! cargo run --release --example pod_sync_async 2>lines.jsonl   # summary here, JSON lines there
//! cargo run --release --example pod_sync_async -- --backend memory --workers 32
//! cargo run --release --example pod_sync_async -- --help
//! ```

#[path = "../pod_sync/api.rs"]
mod api;
#[path = "../pod_sync/backend.rs"]
mod backend;
mod client;
mod controller;
#[path = "../pod_sync/export.rs"]
mod export;
#[path = "../pod_sync/informer.rs"]
mod informer;
#[path = "../pod_sync/lock.rs"]
mod lock;
#[path = "../pod_sync/options.rs"]
mod options;
#[path = "../pod_sync/provider.rs"]
mod provider;
#[path = "../pod_sync/queue.rs"]
mod queue;
#[path = "../pod_sync/reconcile.rs"]
mod reconcile;
#[path = "../pod_sync/report.rs"]
mod report;
#[path = "../pod_sync/rng.rs"]
mod rng;
mod work_queue;

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use ctxtrace::{Ctx, SendLogger, SendTracer};
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

use crate::backend::Controller;
use crate::controller::PodController;
use crate::options::{Options, Program};
use crate::reconcile::STATUS_SYNC_EVERY;
use crate::report::RunReport;

const PROGRAM: Program = Program {
    name: "pod_sync_async",
    about: "A simulated node agent that syncs pods into a provider, on tokio, traced with ctxtrace.",
    workers_are: "tasks",
    // Tasks wait on the provider rather than use a core, so more of them
    // than threads keep the provider busy.
    default_workers: 16,
    // A round waits for a few provider calls in turn, each at least until
    // the timer's next millisecond.
    default_iterations: 150,
};

fn main() -> ExitCode {
    let opts = match Options::from_env(&PROGRAM) {
        Ok(opts) => opts,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_time()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            let _ = writeln!(io::stderr(), "{}: cannot start tokio: {err}", PROGRAM.name);
            return ExitCode::FAILURE;
        }
    };
    let (run, backend) = match backend::run(&PROGRAM, &opts, Tokio(runtime)) {
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

/// The controller on a tokio runtime.
struct Tokio(Runtime);

impl Controller for Tokio {
    fn run<T: SendTracer, L: SendLogger>(self, ctx: Ctx<T, L>, opts: &Options) -> RunReport {
        self.0.block_on(run(ctx, opts))
    }
}

/// Runs the rounds `opts` asks for: worker tasks, and the informer and the
/// status sync on this one.
async fn run<T: SendTracer, L: SendLogger>(ctx: Ctx<T, L>, opts: &Options) -> RunReport {
    let controller = Arc::new(PodController::default());
    let started = Instant::now();
    let mut workers = JoinSet::new();
    for worker_id in 0..opts.workers {
        let ctx = reconcile::worker_ctx(&ctx, worker_id);
        workers.spawn(Arc::clone(&controller).run_worker(ctx));
    }
    let mut rounds = 0;
    while !opts.until.reached(rounds, started.elapsed()) {
        informer::run_round(&ctx, &controller.kube, &controller.queue, opts.pods, rounds);
        controller.queue.wait_until_drained().await;
        if rounds % STATUS_SYNC_EVERY == 0 {
            controller.update_pod_statuses(&ctx).await;
        }
        rounds += 1;
    }
    controller.queue.shut_down();
    workers.join_all().await;
    let elapsed = started.elapsed();
    let controller =
        Arc::into_inner(controller).expect("every task that shared the controller has ended");
    RunReport {
        rounds,
        elapsed,
        stats: controller.stats,
        // Tasks move between the runtime's threads: their tracks keep
        // the default names.
        threads: Vec::new(),
    }
}
