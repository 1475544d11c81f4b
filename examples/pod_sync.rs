//! A simulated node agent: the pod controller of virtual-kubelet, traced and
//! logged with ctxtrace.
//!
//! The program plays three parts:
//!
//! - **Kubernetes.** An in-memory API server holds `--pods` pods. Each round,
//!   it adds, updates and deletes some of them, and the informer's event
//!   handlers (`AddFunc`, `UpdateFunc`, `DeleteFunc`) put the pod's key on a
//!   work queue.
//! - **The pod controller.** `--workers` threads take keys off the queue. For
//!   each key, `handleQueueItem` runs `syncPodFromKubernetes`. That deletes
//!   the pod from the provider, or runs `syncPodInProvider` and
//!   `createOrUpdatePod`, which call the provider. A failed sync is requeued,
//!   at most [`MAX_RETRIES`] times. Every [`STATUS_SYNC_EVERY`] rounds, once
//!   the queue is empty, the status sync (`updatePodStatuses`) asks the
//!   provider for each pod's status, one `updatePodStatus` span per pod, and
//!   writes changes back.
//! - **The provider.** A mock that keeps pods in memory. Some of its calls fail
//!   with `NotFound` or `InvalidInput`. A small deterministic generator makes
//!   that choice, so every run with the same `--pods` and `--iterations` does
//!   the same work and fails the same calls, whatever the backend and the
//!   number of workers.
//!
//! All tracing and logging goes through a [`Ctx<T, L>`](ctxtrace::Ctx). The
//! controller is written once, generic over the tracer `T` and the logger `L`,
//! and `main` picks both from `--backend`:
//!
//! | `--backend`      | tracer         | logger                             |
//! |------------------|----------------|------------------------------------|
//! | `nop`            | `NopTracer`    | `NopLogger`: both compile away     |
//! | `memory`         | `MemoryTracer` | `MemoryLogger`                     |
//! | `text`           | `MemoryTracer` | `TextLogger` on stderr (logfmt)    |
//! | `json` (default) | `MemoryTracer` | `JsonLogger` on stderr             |
//!
//! The text and json backends record spans in memory too, so that their lines
//! carry `trace_id` and `span_id` and the summary can show a span tree.
//!
//! Log lines go to stderr. A summary goes to stdout, one `key: value` per
//! line: the syncs run and how fast, errors by status code, lines written,
//! spans recorded, and the span tree of one failed sync.
//!
//! # Running it
//!
//! ```text
//! cargo run --release --example pod_sync 2>lines.jsonl     # summary here, JSON lines there
//! cargo run --release --example pod_sync -- --backend text 2>&1 | less
//! cargo run --release --example pod_sync -- --backend nop --pods 500 --seconds 5
//! cargo run --release --example pod_sync -- --help
//! ```

use std::collections::{HashMap, HashSet, VecDeque};
use std::error::Error;
use std::ffi::OsString;
use std::fmt;
use std::io::{self, Write};
use std::ops::RangeInclusive;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use ctxtrace::{
    Ctx, ErrorStatus, JsonLogger, Logger, MemoryLogger, MemoryTracer, NopLogger, NopTracer, Span,
    StatusCode, TextLogger, ToValue, Tracer, Value,
};

/// The name of the work queue, written on every line a worker logs.
const QUEUE_NAME: &str = "syncPodsFromKubernetes";

/// How many times a key is requeued after a failed sync before it is
/// dropped. (virtual-kubelet's is 20.)
const MAX_RETRIES: u32 = 5;

/// The status sync runs once every this many rounds, the first round
/// included.
const STATUS_SYNC_EVERY: u64 = 5;

/// Chance, in percent, that a provider call fails.
const CREATE_FAILURE_PERCENT: u64 = 8;
const UPDATE_FAILURE_PERCENT: u64 = 8;
const STATUS_FAILURE_PERCENT: u64 = 2;

/// Finished spans, and memory log entries, that the recorders keep. The
/// summary needs only recent spans, so this is less than the recorders'
/// default (`ctxtrace::DEFAULT_CAPACITY`), and a long run stays small.
const RECORDER_CAPACITY: usize = 16_384;

const DEFAULT_PODS: usize = 50;
const DEFAULT_WORKERS: usize = 2;
/// Rounds in a default run: a few seconds at most with the json backend.
const DEFAULT_ITERATIONS: u64 = 3_000;

fn usage() -> String {
    format!(
        "\
Usage: pod_sync [--backend nop|memory|text|json] [--pods N] [--workers N]
                [--iterations N | --seconds S]

A simulated node agent that syncs pods into a provider, traced with ctxtrace.
Log lines go to stderr, a summary to stdout.

Options:
  --backend <B>     nop, memory, text or json (lines on stderr) [default: json]
  --pods <N>        pods in the simulated cluster, 1 to 100000 [default: {DEFAULT_PODS}]
  --workers <N>     threads that take keys off the queue, 1 to 64 [default: {DEFAULT_WORKERS}]
  --iterations <N>  rounds of pod changes, syncs and status syncs [default: {DEFAULT_ITERATIONS}]
  --seconds <S>     run rounds for S seconds instead, up to 3600
  -h, --help        print this help"
    )
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args_os().skip(1)) {
        Ok(Some(opts)) => opts,
        Ok(None) => {
            let _ = writeln!(io::stdout(), "{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            let _ = writeln!(io::stderr(), "pod_sync: {message}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };

    // The one place that knows the backend: each arm fixes `T` and `L` and
    // runs the same generic controller, then reads back what the backend saw.
    let (run, backend) = match opts.backend {
        BackendKind::Nop => {
            let run = run(Ctx::new(NopTracer, NopLogger), &opts);
            (run, BackendReport::default())
        }
        BackendKind::Memory => {
            let tracer = MemoryTracer::with_capacity(RECORDER_CAPACITY);
            let logger = MemoryLogger::with_capacity(RECORDER_CAPACITY);
            let run = run(Ctx::new(tracer.clone(), logger.clone()), &opts);
            let lines = logger.entries().len() as u64 + logger.dropped();
            (run, BackendReport::new(lines, 0, &tracer))
        }
        BackendKind::Text => {
            let tracer = MemoryTracer::with_capacity(RECORDER_CAPACITY);
            let logger = TextLogger::new(io::stderr());
            let run = run(Ctx::new(tracer.clone(), logger.clone()), &opts);
            (
                run,
                BackendReport::new(logger.lines(), logger.errors(), &tracer),
            )
        }
        BackendKind::Json => {
            let tracer = MemoryTracer::with_capacity(RECORDER_CAPACITY);
            let logger = JsonLogger::new(io::stderr());
            let run = run(Ctx::new(tracer.clone(), logger.clone()), &opts);
            (
                run,
                BackendReport::new(logger.lines(), logger.errors(), &tracer),
            )
        }
    };

    match print_summary(&mut io::stdout().lock(), &opts, &run, &backend) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE, // stdout is closed: nowhere left to report it
    }
}

/// Runs the controller with one backend: workers on their own threads, and
/// the informer and the status sync on this one, for the rounds `opts` asks.
///
/// `Ctx<T, L>: Send` lets each worker take its own clone of the context.
fn run<T: Tracer, L: Logger>(ctx: Ctx<T, L>, opts: &Options) -> RunReport
where
    Ctx<T, L>: Send,
{
    let controller = PodController::default();
    let started = Instant::now();
    let rounds = thread::scope(|scope| {
        for worker_id in 0..opts.workers {
            // Queue fields belong to the worker, not to any span: they go on
            // the logger alone, and reach every line the worker writes.
            let ctx = ctx
                .with_field("workerId", worker_id)
                .with_field("queue", QUEUE_NAME);
            let controller = &controller;
            scope.spawn(move || controller.run_worker(&ctx));
        }
        let mut round = 0;
        while !opts.until.reached(round, started.elapsed()) {
            controller.informer_round(&ctx, opts.pods, round);
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
    }
}

// ---------------------------------------------------------------------------
// The pod controller
// ---------------------------------------------------------------------------

/// What the controller works with: the Kubernetes side, the provider, the
/// queue between them, and counters for the summary.
#[derive(Default)]
struct PodController {
    kube: ApiServer,
    provider: MockProvider,
    queue: WorkQueue,
    stats: Stats,
}

impl PodController {
    /// A worker: takes keys off the queue until it shuts down.
    fn run_worker(&self, ctx: &Ctx<impl Tracer, impl Logger>) {
        while let Some(item) = self.queue.get() {
            let retry = self.handle_queue_item(ctx, item);
            self.queue.done(retry);
        }
    }

    /// Syncs one key, and returns it to be requeued if the sync failed and
    /// has retries left.
    fn handle_queue_item(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        mut item: Item,
    ) -> Option<Item> {
        let (ctx, mut span) = ctx.start_span("handleQueueItem");
        let ctx = span.with_field(&ctx, "key", item.key.as_str());
        let result = self.sync_pod_from_kubernetes(&ctx, &item.key);
        span.set_status(&result);
        self.stats.syncs.fetch_add(1, Ordering::Relaxed);

        let Err(err) = result else {
            ctxtrace::info!(ctx, "synced pod"; retries = item.retries);
            return None;
        };
        self.stats.sync_error(err.status_code());
        if item.retries < MAX_RETRIES {
            self.stats.requeues.fetch_add(1, Ordering::Relaxed);
            ctxtrace::warn!(ctx, "sync failed, requeuing";
                retries = item.retries, error = ctxtrace::error(&err));
            item.retries += 1;
            Some(item)
        } else {
            self.stats.dropped_keys.fetch_add(1, Ordering::Relaxed);
            ctxtrace::error!(ctx, "sync failed {} times, dropping key", item.retries + 1;
                error = ctxtrace::error(&err));
            None
        }
    }

    /// Compares Kubernetes with the provider: a pod that Kubernetes no longer
    /// has is deleted from the provider, any other is synced into it.
    fn sync_pod_from_kubernetes(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        key: &str,
    ) -> Result<(), SyncError> {
        let (ctx, mut span) = ctx.start_span("syncPodFromKubernetes");
        let result = match self.kube.get(key) {
            None => self.delete_pod(&ctx, key),
            Some(pod) => {
                let ctx = with_pod(&mut span, &ctx, &pod);
                self.sync_pod_in_provider(&ctx, &pod)
            }
        };
        span.set_status(&result);
        result
    }

    /// Makes the provider run `pod`. When the provider fails, the pod is
    /// marked `Failed` with reason `ProviderFailed` in Kubernetes, as
    /// virtual-kubelet's `handleProviderError` does, and the error goes up so
    /// the key is retried.
    fn sync_pod_in_provider(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        pod: &Pod,
    ) -> Result<(), SyncError> {
        let (ctx, mut span) = ctx.start_span("syncPodInProvider");
        let result = self.create_or_update_pod(&ctx, pod);
        if let Err(err) = &result {
            let failed = PodStatus::new(Phase::Failed, "ProviderFailed");
            let ctx = with_status(&mut span, &ctx, &failed);
            ctxtrace::warn!(ctx, "provider failed to run the pod"; error = ctxtrace::error(err));
            self.kube.update_status(&pod.key, failed);
        }
        span.set_status(&result);
        result
    }

    /// Creates the pod in the provider, or updates it if Kubernetes has a
    /// newer version, then reads back the status it runs with.
    fn create_or_update_pod(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        pod: &Pod,
    ) -> Result<(), SyncError> {
        let (ctx, mut span) = ctx.start_span("createOrUpdatePod");
        let result = self.apply_to_provider(&ctx, pod);
        if let Ok(status) = &result {
            let ctx = with_status(&mut span, &ctx, status);
            ctxtrace::debug!(ctx, "pod is {} in the provider", status.phase;
                generation = pod.generation);
        }
        span.set_status(&result);
        result.map(drop)
    }

    /// The provider calls of [`create_or_update_pod`](Self::create_or_update_pod).
    fn apply_to_provider(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        pod: &Pod,
    ) -> Result<PodStatus, SyncError> {
        let provider = &self.provider;
        match step("get pod", provider.get_pod(ctx, &pod.key))? {
            None => step("create pod", provider.create_pod(ctx, pod))?,
            Some(existing) if existing.generation == pod.generation => {
                ctxtrace::debug!(ctx, "pod is up to date in the provider";
                    generation = pod.generation);
            }
            Some(_) => step("update pod", provider.update_pod(ctx, pod))?,
        }
        step("get pod status", provider.get_pod_status(ctx, &pod.key))
    }

    /// Deletes from the provider a pod that Kubernetes deleted. A pod that
    /// the provider does not have is already deleted: not an error.
    fn delete_pod(&self, ctx: &Ctx<impl Tracer, impl Logger>, key: &str) -> Result<(), SyncError> {
        let (ctx, mut span) = ctx.start_span("deletePod");
        let result = match self.provider.delete_pod(&ctx, key) {
            Ok(()) => {
                ctxtrace::info!(ctx, "deleted pod from the provider");
                Ok(())
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                ctxtrace::debug!(ctx, "pod was already gone from the provider");
                Ok(())
            }
            Err(source) => Err(SyncError {
                step: "delete pod",
                source,
            }),
        };
        span.set_status(&result);
        result
    }

    /// The periodic status sync: asks the provider for the status of every
    /// pod, one span per pod, and writes changes back to Kubernetes.
    fn update_pod_statuses(&self, ctx: &Ctx<impl Tracer, impl Logger>) {
        let (ctx, mut span) = ctx.start_span("updatePodStatuses");
        let pods = self.kube.list();
        let ctx = span.with_field(&ctx, "pods", pods.len());
        let mut changed = 0;
        for pod in &pods {
            changed += usize::from(self.update_pod_status(&ctx, pod));
        }
        ctxtrace::debug!(ctx, "status sync done"; changed = changed);
    }

    /// Copies one pod's status from the provider to Kubernetes, and returns
    /// whether it changed.
    fn update_pod_status(&self, ctx: &Ctx<impl Tracer, impl Logger>, pod: &Pod) -> bool {
        let (ctx, mut span) = ctx.start_span("updatePodStatus");
        let ctx = with_pod(&mut span, &ctx, pod);
        let result = self.provider.get_pod_status(&ctx, &pod.key);
        span.set_status(&result);
        self.stats.status_updates.fetch_add(1, Ordering::Relaxed);
        match result {
            Ok(status) if status == pod.status => false,
            Ok(status) => {
                let ctx = with_status(&mut span, &ctx, &status);
                ctxtrace::info!(ctx, "pod status changed"; from = pod.status.phase);
                self.kube.update_status(&pod.key, status);
                true
            }
            Err(err) => {
                self.stats.status_error(err.status_code());
                ctxtrace::warn!(ctx, "could not get pod status"; error = ctxtrace::error(&err));
                false
            }
        }
    }

    /// One round of changes in Kubernetes, each passed to the informer's
    /// handler for its kind: the first round adds every pod, later rounds
    /// update, delete or re-create a few.
    fn informer_round(&self, ctx: &Ctx<impl Tracer, impl Logger>, pods: usize, round: u64) {
        for slot in 0..pods {
            if let Some((event, key)) = self.kube.simulate_change(slot, round) {
                self.handle_event(ctx, event, key, round);
            }
        }
    }

    /// An informer event handler: enqueues the pod's key. Each event is a
    /// trace of its own, like virtual-kubelet's `AddFunc` and friends.
    fn handle_event(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        event: Event,
        key: String,
        round: u64,
    ) {
        let (ctx, mut span) = ctx.start_span(event.handler());
        let ctx = span.with_field(&ctx, "key", key.as_str());
        ctxtrace::debug!(ctx, "enqueuing pod"; round = round);
        self.queue.add(Item { key, retries: 0 });
    }
}

/// Sets the pod's identity on the span and on every later line under it.
fn with_pod<T: Tracer, L: Logger>(span: &mut impl Span, ctx: &Ctx<T, L>, pod: &Pod) -> Ctx<T, L> {
    let ctx = span.with_field(ctx, "uid", pod.uid.as_str());
    let ctx = span.with_field(&ctx, "namespace", pod.namespace.as_str());
    span.with_field(&ctx, "name", pod.name.as_str())
}

/// Sets the pod's phase, and its reason if it has one, on the span and on
/// every later line under it.
fn with_status<T: Tracer, L: Logger>(
    span: &mut impl Span,
    ctx: &Ctx<T, L>,
    status: &PodStatus,
) -> Ctx<T, L> {
    let ctx = span.with_field(ctx, "phase", status.phase);
    if status.reason.is_empty() {
        ctx
    } else {
        span.with_field(&ctx, "reason", status.reason)
    }
}

/// A failed step of a sync. The provider's error is its source, and its
/// status code comes from there: `set_status` walks the `source()` chain, so `io::ErrorKind::NotFound` gives `NotFound` and `InvalidInput`
/// gives `InvalidArgument`.
#[derive(Debug)]
struct SyncError {
    step: &'static str,
    source: io::Error,
}

/// The result of a provider call, with an error as a failure of `step`.
fn step<T>(step: &'static str, result: io::Result<T>) -> Result<T, SyncError> {
    result.map_err(|source| SyncError { step, source })
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.step, self.source)
    }
}

impl Error for SyncError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

// ---------------------------------------------------------------------------
// Kubernetes: pods and the API server
// ---------------------------------------------------------------------------

/// A pod as Kubernetes has it.
#[derive(Clone, Debug)]
struct Pod {
    key: String,
    uid: String,
    namespace: String,
    name: String,
    /// Bumped by every update of the pod's spec.
    generation: u64,
    status: PodStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PodStatus {
    phase: Phase,
    /// Empty unless something needs explaining.
    reason: &'static str,
}

impl PodStatus {
    fn new(phase: Phase, reason: &'static str) -> PodStatus {
        PodStatus { phase, reason }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Pending,
    Running,
    Failed,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::Running => "Running",
            Phase::Failed => "Failed",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A phase is a field value as it is: no `to_string()` at the call site.
impl ToValue for Phase {
    fn to_value(&self) -> Value<'_> {
        Value::Str(self.as_str())
    }
}

/// What an informer reports about a pod.
#[derive(Clone, Copy, Debug)]
enum Event {
    Add,
    Update,
    Delete,
}

impl Event {
    /// The name of the handler, which is also the name of its span.
    fn handler(self) -> &'static str {
        match self {
            Event::Add => "AddFunc",
            Event::Update => "UpdateFunc",
            Event::Delete => "DeleteFunc",
        }
    }
}

const NAMESPACES: [&str; 3] = ["default", "team-a", "team-b"];
const APPS: [&str; 4] = ["web", "api", "worker", "cache"];

/// The Kubernetes API server, and the informer's view of it: every pod, by
/// `namespace/name` key.
#[derive(Default)]
struct ApiServer {
    pods: Mutex<HashMap<String, Pod>>,
}

impl ApiServer {
    fn get(&self, key: &str) -> Option<Pod> {
        lock(&self.pods).get(key).cloned()
    }

    /// Every pod, in key order so that runs repeat.
    fn list(&self) -> Vec<Pod> {
        let mut pods: Vec<Pod> = lock(&self.pods).values().cloned().collect();
        pods.sort_by(|a, b| a.key.cmp(&b.key));
        pods
    }

    fn update_status(&self, key: &str, status: PodStatus) {
        if let Some(pod) = lock(&self.pods).get_mut(key) {
            pod.status = status;
        }
    }

    /// Changes pod `slot` the way users would in round `round`, and returns
    /// the event the informer sees. The first round creates every pod; later,
    /// a pod's spec is updated 20% of the time and the pod is deleted 3% of
    /// the time, and a deleted pod is created again, with a new uid, 30% of
    /// the time.
    fn simulate_change(&self, slot: usize, round: u64) -> Option<(Event, String)> {
        let namespace = NAMESPACES[slot % NAMESPACES.len()];
        let name = format!("{}-{slot}", APPS[slot % APPS.len()]);
        let key = format!("{namespace}/{name}");
        let mut rng = Rng::new(&[slot as u64, round]);
        let roll = rng.percent();
        let mut pods = lock(&self.pods);
        let event = match pods.get_mut(&key) {
            None if round == 0 || roll < 30 => {
                let pod = Pod {
                    key: key.clone(),
                    uid: rng.uuid(),
                    namespace: namespace.to_string(),
                    name,
                    generation: 1,
                    status: PodStatus::new(Phase::Pending, ""),
                };
                pods.insert(key.clone(), pod);
                Event::Add
            }
            Some(pod) if roll < 20 => {
                pod.generation += 1;
                Event::Update
            }
            Some(_) if roll < 23 => {
                pods.remove(&key);
                Event::Delete
            }
            _ => return None,
        };
        Some((event, key))
    }
}

// ---------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------

/// A provider that runs pods in memory, and fails some calls.
///
/// Whether a call fails depends only on the pod's key and on how many calls
/// the provider has had for that key. Keys are synced one at a time, so every
/// run with the same flags fails the same calls.
#[derive(Default)]
struct MockProvider {
    state: Mutex<ProviderState>,
}

#[derive(Default)]
struct ProviderState {
    pods: HashMap<String, ProviderPod>,
    calls: HashMap<String, u64>,
}

#[derive(Clone, Copy, Debug)]
struct ProviderPod {
    generation: u64,
    status: PodStatus,
}

impl ProviderState {
    /// Counts a call for `key`, and decides whether it fails: `percent` in
    /// 100 calls do.
    fn fails(&mut self, key: &str, percent: u64) -> bool {
        let calls = self.calls.entry(key.to_string()).or_default();
        *calls += 1;
        Rng::new(&[fnv1a(key), *calls]).percent() < percent
    }
}

impl MockProvider {
    fn get_pod(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        key: &str,
    ) -> io::Result<Option<ProviderPod>> {
        ctx.in_span("provider.GetPod", |_ctx| {
            Ok(lock(&self.state).pods.get(key).copied())
        })
    }

    fn create_pod(&self, ctx: &Ctx<impl Tracer, impl Logger>, pod: &Pod) -> io::Result<()> {
        ctx.in_span("provider.CreatePod", |ctx| {
            let mut state = lock(&self.state);
            if state.fails(&pod.key, CREATE_FAILURE_PERCENT) {
                let message = "invalid pod spec: container \"app\" has no image";
                return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
            }
            let status = PodStatus::new(Phase::Pending, "ContainerCreating");
            let created = ProviderPod {
                generation: pod.generation,
                status,
            };
            state.pods.insert(pod.key.clone(), created);
            drop(state);
            ctxtrace::debug!(ctx, "created pod"; generation = pod.generation);
            Ok(())
        })
    }

    fn update_pod(&self, ctx: &Ctx<impl Tracer, impl Logger>, pod: &Pod) -> io::Result<()> {
        ctx.in_span("provider.UpdatePod", |ctx| {
            let mut state = lock(&self.state);
            if state.fails(&pod.key, UPDATE_FAILURE_PERCENT) {
                return Err(not_found("pod not found in provider"));
            }
            let running = state.pods.get_mut(&pod.key);
            let running = running.ok_or_else(|| not_found("pod not found in provider"))?;
            let from = running.generation;
            running.generation = pod.generation;
            drop(state);
            ctxtrace::debug!(ctx, "updated pod"; from = from, to = pod.generation);
            Ok(())
        })
    }

    fn delete_pod(&self, ctx: &Ctx<impl Tracer, impl Logger>, key: &str) -> io::Result<()> {
        ctx.in_span("provider.DeletePod", |_ctx| {
            let deleted = lock(&self.state).pods.remove(key);
            deleted
                .map(drop)
                .ok_or_else(|| not_found("pod not found in provider"))
        })
    }

    /// The pod's status. A pending pod's containers start once it has been
    /// looked at, so the next call sees it running.
    fn get_pod_status(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        key: &str,
    ) -> io::Result<PodStatus> {
        ctx.in_span("provider.GetPodStatus", |_ctx| {
            let mut state = lock(&self.state);
            if state.fails(key, STATUS_FAILURE_PERCENT) {
                return Err(not_found("pod status not found"));
            }
            let pod = state.pods.get_mut(key);
            let pod = pod.ok_or_else(|| not_found("pod not found in provider"))?;
            let status = pod.status;
            pod.status = PodStatus::new(Phase::Running, "");
            Ok(status)
        })
    }
}

fn not_found(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, message)
}

// ---------------------------------------------------------------------------
// The work queue
// ---------------------------------------------------------------------------

/// A key to sync, and how many times it has been requeued.
#[derive(Debug)]
struct Item {
    key: String,
    retries: u32,
}

/// The queue between the informer and the workers. A key is queued at most
/// once; the queue counts the items being worked on, so that the main thread
/// can wait for it to drain before the status sync.
#[derive(Default)]
struct WorkQueue {
    state: Mutex<QueueState>,
    /// Signalled when an item is added or the queue shuts down.
    work: Condvar,
    /// Signalled when the queue is empty and no item is being worked on.
    drained: Condvar,
}

#[derive(Default)]
struct QueueState {
    items: VecDeque<Item>,
    queued: HashSet<String>,
    in_flight: usize,
    shut_down: bool,
}

impl QueueState {
    fn push(&mut self, item: Item) -> bool {
        let new = self.queued.insert(item.key.clone());
        if new {
            self.items.push_back(item);
        }
        new
    }

    fn is_drained(&self) -> bool {
        self.items.is_empty() && self.in_flight == 0
    }
}

impl WorkQueue {
    fn add(&self, item: Item) {
        if lock(&self.state).push(item) {
            self.work.notify_one();
        }
    }

    /// The next item, waiting for one; `None` once the queue shuts down.
    fn get(&self) -> Option<Item> {
        let mut state = lock(&self.state);
        loop {
            if let Some(item) = state.items.pop_front() {
                state.queued.remove(&item.key);
                state.in_flight += 1;
                return Some(item);
            }
            if state.shut_down {
                return None;
            }
            state = self
                .work
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Marks an item from [`get`](Self::get) as done, and queues `retry`.
    fn done(&self, retry: Option<Item>) {
        let mut state = lock(&self.state);
        state.in_flight -= 1;
        if let Some(item) = retry {
            if state.push(item) {
                self.work.notify_one();
            }
        }
        if state.is_drained() {
            self.drained.notify_all();
        }
    }

    fn wait_until_drained(&self) {
        let state = lock(&self.state);
        let _drained = self
            .drained
            .wait_while(state, |s| !s.is_drained())
            .unwrap_or_else(PoisonError::into_inner);
    }

    fn shut_down(&self) {
        lock(&self.state).shut_down = true;
        self.work.notify_all();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------
// Deterministic pseudo-random numbers
// ---------------------------------------------------------------------------

/// xorshift64*, seeded from a few numbers: the same seed always gives the
/// same sequence, and no `rand` crate is needed.
struct Rng(u64);

impl Rng {
    fn new(seed: &[u64]) -> Rng {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for &n in seed {
            state = (state ^ n).wrapping_mul(0xff51_afd7_ed55_8ccd);
            state ^= state >> 33;
        }
        Rng(state | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number from 0 to 99.
    fn percent(&mut self) -> u64 {
        self.next() % 100
    }

    /// A random-looking pod uid, in the shape of a UUID.
    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }
}

/// FNV-1a: a pod key as a seed.
fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

// ---------------------------------------------------------------------------
// Counters and the summary
// ---------------------------------------------------------------------------

/// What the controller did, counted by the controller itself, so that the
/// nop backend has a summary too.
#[derive(Default)]
struct Stats {
    syncs: AtomicU64,
    sync_errors: AtomicU64,
    requeues: AtomicU64,
    dropped_keys: AtomicU64,
    status_updates: AtomicU64,
    status_errors: AtomicU64,
    /// Failed syncs and status updates, by status code.
    errors: [AtomicU64; StatusCode::ALL.len()],
}

impl Stats {
    fn sync_error(&self, code: StatusCode) {
        self.sync_errors.fetch_add(1, Ordering::Relaxed);
        self.errors[code as usize].fetch_add(1, Ordering::Relaxed);
    }

    fn status_error(&self, code: StatusCode) {
        self.status_errors.fetch_add(1, Ordering::Relaxed);
        self.errors[code as usize].fetch_add(1, Ordering::Relaxed);
    }
}

struct RunReport {
    rounds: u64,
    elapsed: Duration,
    stats: Stats,
}

/// What the backend recorded, read back after the run.
#[derive(Default)]
struct BackendReport {
    lines_written: u64,
    write_errors: u64,
    /// `None` when no tracer records spans.
    spans: Option<SpanReport>,
}

struct SpanReport {
    started: u64,
    recorded: usize,
    dropped: u64,
    /// The span tree of the latest failed sync still recorded, if any.
    failed_sync: Option<String>,
}

impl BackendReport {
    fn new(lines_written: u64, write_errors: u64, tracer: &MemoryTracer) -> BackendReport {
        let spans = tracer.spans();
        // Spans are recorded as they end, children before parents, so the
        // latest failed sync is the one whose children are surely still kept.
        let failed_sync = spans
            .iter()
            .rev()
            .filter(|s| s.name() == "handleQueueItem" && s.status().is_error())
            .find(|s| spans.children(s).next().is_some())
            .map(|s| spans.render_tree(s));
        let spans = SpanReport {
            started: tracer.started(),
            recorded: spans.len(),
            dropped: tracer.dropped(),
            failed_sync,
        };
        BackendReport {
            lines_written,
            write_errors,
            spans: Some(spans),
        }
    }
}

fn print_summary(
    out: &mut impl Write,
    opts: &Options,
    run: &RunReport,
    backend: &BackendReport,
) -> io::Result<()> {
    let count = |n: &AtomicU64| n.load(Ordering::Relaxed);
    let stats = &run.stats;
    let syncs = count(&stats.syncs);
    writeln!(out, "backend: {}", opts.backend.name())?;
    writeln!(out, "pods: {}", opts.pods)?;
    writeln!(out, "workers: {}", opts.workers)?;
    writeln!(out, "rounds: {}", run.rounds)?;
    writeln!(out, "elapsed_s: {:.3}", run.elapsed.as_secs_f64())?;
    writeln!(out, "syncs: {syncs}")?;
    writeln!(out, "sync_errors: {}", count(&stats.sync_errors))?;
    writeln!(out, "requeues: {}", count(&stats.requeues))?;
    writeln!(out, "dropped_keys: {}", count(&stats.dropped_keys))?;
    writeln!(out, "status_updates: {}", count(&stats.status_updates))?;
    writeln!(out, "status_errors: {}", count(&stats.status_errors))?;
    for code in StatusCode::ALL {
        let n = count(&stats.errors[code as usize]);
        if n > 0 {
            writeln!(out, "errors.{code}: {n}")?;
        }
    }
    writeln!(out, "lines_written: {}", backend.lines_written)?;
    writeln!(out, "write_errors: {}", backend.write_errors)?;
    let spans = backend.spans.as_ref();
    writeln!(out, "spans_started: {}", spans.map_or(0, |s| s.started))?;
    writeln!(out, "spans_recorded: {}", spans.map_or(0, |s| s.recorded))?;
    writeln!(out, "spans_dropped: {}", spans.map_or(0, |s| s.dropped))?;
    writeln!(
        out,
        "syncs_per_sec: {:.0}",
        syncs as f64 / run.elapsed.as_secs_f64().max(1e-9)
    )?;
    match spans.map(|s| s.failed_sync.as_deref()) {
        None => writeln!(out, "failed_sync_tree: not recorded")?,
        Some(None) => writeln!(out, "failed_sync_tree: none")?,
        Some(Some(tree)) => {
            writeln!(out, "failed_sync_tree:")?;
            for line in tree.lines() {
                writeln!(out, "    {line}")?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------

#[derive(Debug)]
struct Options {
    backend: BackendKind,
    pods: usize,
    workers: usize,
    until: Until,
}

#[derive(Clone, Copy, Debug)]
enum BackendKind {
    Nop,
    Memory,
    Text,
    Json,
}

impl BackendKind {
    fn name(self) -> &'static str {
        match self {
            BackendKind::Nop => "nop",
            BackendKind::Memory => "memory",
            BackendKind::Text => "text",
            BackendKind::Json => "json",
        }
    }
}

/// When the run stops.
#[derive(Clone, Copy, Debug)]
enum Until {
    Rounds(u64),
    Elapsed(Duration),
}

impl Until {
    fn reached(self, rounds: u64, elapsed: Duration) -> bool {
        match self {
            Until::Rounds(n) => rounds >= n,
            Until::Elapsed(limit) => elapsed >= limit,
        }
    }
}

/// Parses the flags: `Ok(None)` asks for help, and `Err` holds a message for
/// the user.
fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Option<Options>, String> {
    let mut opts = Options {
        backend: BackendKind::Json,
        pods: DEFAULT_PODS,
        workers: DEFAULT_WORKERS,
        until: Until::Rounds(DEFAULT_ITERATIONS),
    };
    let (mut iterations, mut seconds) = (None, None);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|arg| format!("argument {arg:?} is not valid UTF-8"))?;
        // `--flag value` or `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg, None),
        };
        let value = || take_value(&flag, inline, &mut args);
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--backend" => opts.backend = parse_backend(&value()?)?,
            "--pods" => opts.pods = parse_number(&flag, &value()?, 1..=100_000)? as usize,
            "--workers" => opts.workers = parse_number(&flag, &value()?, 1..=64)? as usize,
            "--iterations" => {
                iterations = Some(parse_number(&flag, &value()?, 1..=u32::MAX.into())?)
            }
            "--seconds" => seconds = Some(parse_seconds(&value()?)?),
            _ if flag.starts_with('-') => return Err(format!("unknown flag `{flag}`")),
            _ => return Err(format!("unexpected argument `{flag}`")),
        }
    }
    opts.until = match (iterations, seconds) {
        (Some(_), Some(_)) => return Err("give --iterations or --seconds, not both".into()),
        (Some(rounds), None) => Until::Rounds(rounds),
        (None, Some(limit)) => Until::Elapsed(limit),
        (None, None) => opts.until,
    };
    Ok(Some(opts))
}

/// The value of `flag`: after its `=`, or else the next argument.
fn take_value(
    flag: &str,
    inline: Option<String>,
    rest: &mut impl Iterator<Item = OsString>,
) -> Result<String, String> {
    if let Some(value) = inline {
        return Ok(value);
    }
    match rest.next().map(OsString::into_string) {
        Some(Ok(value)) => Ok(value),
        Some(Err(value)) => Err(format!("{flag}: value {value:?} is not valid UTF-8")),
        None => Err(format!("{flag} needs a value")),
    }
}

fn parse_backend(value: &str) -> Result<BackendKind, String> {
    match value {
        "nop" => Ok(BackendKind::Nop),
        "memory" => Ok(BackendKind::Memory),
        "text" => Ok(BackendKind::Text),
        "json" => Ok(BackendKind::Json),
        _ => Err(format!(
            "--backend takes nop, memory, text or json, not `{value}`"
        )),
    }
}

fn parse_number(flag: &str, value: &str, range: RangeInclusive<u64>) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "{flag} takes a whole number from {} to {}, not `{value}`",
            range.start(),
            range.end()
        )),
    }
}

fn parse_seconds(value: &str) -> Result<Duration, String> {
    match value.parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 3600.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!(
            "--seconds takes a number of seconds above 0 and up to 3600, not `{value}`"
        )),
    }
}
