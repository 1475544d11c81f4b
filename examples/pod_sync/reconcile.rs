//! What the syncs do, whatever runs them: their limits, their error, the
//! fields they put on spans, and what each step makes of its result.
//!
//! The controllers start the spans and make the provider calls, which only
//! the async one awaits; the functions here take it from there.

use std::error::Error;
use std::fmt;
use std::io;
use std::sync::atomic::Ordering;

use ctxtrace::{Ctx, ErrorStatus, Logger, Span, Tracer};

use crate::api::{ApiServer, Phase, Pod, PodStatus};
use crate::queue::Item;
use crate::report::Stats;

/// The name of the work queue, written on every line a worker logs.
const QUEUE_NAME: &str = "syncPodsFromKubernetes";

/// How many times a key is requeued after a failed sync before it is
/// dropped. (virtual-kubelet's is 20.)
pub(crate) const MAX_RETRIES: u32 = 5;

/// The status sync runs once every this many rounds, the first round
/// included.
pub(crate) const STATUS_SYNC_EVERY: u64 = 5;

/// The context of worker `worker_id`. Queue fields belong to the worker, not
/// to any span: they go on the logger alone, and reach every line the
/// worker's syncs write. The logger is the worker's own clone
/// (`Ctx::for_thread`), so that workers do not share a reference count.
pub(crate) fn worker_ctx<T: Tracer, L: Logger>(ctx: &Ctx<T, L>, worker_id: usize) -> Ctx<T, L> {
    ctx.for_thread()
        .with_field("workerId", worker_id)
        .with_field("queue", QUEUE_NAME)
}

/// Sets the pod's identity on the span and on every later line under it.
pub(crate) fn with_pod<T: Tracer, L: Logger>(
    span: &mut impl Span,
    ctx: &Ctx<T, L>,
    pod: &Pod,
) -> Ctx<T, L> {
    let ctx = span.with_field(ctx, "uid", pod.uid.as_str());
    let ctx = span.with_field(&ctx, "namespace", pod.namespace.as_str());
    span.with_field(&ctx, "name", pod.name.as_str())
}

/// Sets the pod's phase, and its reason if it has one, on the span and on
/// every later line under it.
pub(crate) fn with_status<T: Tracer, L: Logger>(
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

/// The end of `handleQueueItem`: counts the sync of `item`, logs how it went,
/// and returns the item to be requeued if the sync failed and has retries
/// left.
pub(crate) fn finish_queue_item(
    ctx: &Ctx<impl Tracer, impl Logger>,
    stats: &Stats,
    mut item: Item,
    result: Result<(), SyncError>,
) -> Option<Item> {
    stats.syncs.fetch_add(1, Ordering::Relaxed);
    let Err(err) = result else {
        ctxtrace::info!(ctx, "synced pod"; retries = item.retries);
        return None;
    };
    stats.sync_error(err.status_code());
    if item.retries < MAX_RETRIES {
        stats.requeues.fetch_add(1, Ordering::Relaxed);
        ctxtrace::warn!(ctx, "sync failed, requeuing";
            retries = item.retries, error = ctxtrace::error(&err));
        item.retries += 1;
        Some(item)
    } else {
        stats.dropped_keys.fetch_add(1, Ordering::Relaxed);
        ctxtrace::error!(ctx, "sync failed {} times, dropping key", item.retries + 1;
            error = ctxtrace::error(&err));
        None
    }
}

/// What `syncPodInProvider` does when the provider fails to run `pod`: marks
/// it `Failed` with reason `ProviderFailed` in Kubernetes, as
/// virtual-kubelet's `handleProviderError` does.
pub(crate) fn mark_provider_failed<T: Tracer, L: Logger>(
    span: &mut impl Span,
    ctx: &Ctx<T, L>,
    kube: &ApiServer,
    pod: &Pod,
    err: &SyncError,
) {
    let failed = PodStatus::new(Phase::Failed, "ProviderFailed");
    let ctx = with_status(span, ctx, &failed);
    ctxtrace::warn!(ctx, "provider failed to run the pod"; error = ctxtrace::error(err));
    kube.update_status(&pod.key, failed);
}

/// What `createOrUpdatePod` does with the status the provider runs `pod`
/// with: puts it on the span, and logs it.
pub(crate) fn log_provider_status<T: Tracer, L: Logger>(
    span: &mut impl Span,
    ctx: &Ctx<T, L>,
    pod: &Pod,
    status: &PodStatus,
) {
    let ctx = with_status(span, ctx, status);
    ctxtrace::debug!(ctx, "pod is {} in the provider", status.phase;
        generation = pod.generation);
}

/// The end of `deletePod`: a pod that the provider does not have is already
/// deleted, not an error.
pub(crate) fn finish_delete(
    ctx: &Ctx<impl Tracer, impl Logger>,
    result: io::Result<()>,
) -> Result<(), SyncError> {
    match result {
        Ok(()) => {
            ctxtrace::info!(ctx, "deleted pod from the provider");
            Ok(())
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            ctxtrace::debug!(ctx, "pod was already gone from the provider");
            Ok(())
        }
        Err(source) => Err(SyncError::new("delete pod", source)),
    }
}

/// The end of `updatePodStatus`: counts the update, writes a changed status
/// back to Kubernetes, and returns whether it changed.
pub(crate) fn finish_status_update<T: Tracer, L: Logger>(
    span: &mut impl Span,
    ctx: &Ctx<T, L>,
    kube: &ApiServer,
    stats: &Stats,
    pod: &Pod,
    result: io::Result<PodStatus>,
) -> bool {
    stats.status_updates.fetch_add(1, Ordering::Relaxed);
    match result {
        Ok(status) if status == pod.status => false,
        Ok(status) => {
            let ctx = with_status(span, ctx, &status);
            ctxtrace::info!(ctx, "pod status changed"; from = pod.status.phase);
            kube.update_status(&pod.key, status);
            true
        }
        Err(err) => {
            stats.status_error(err.status_code());
            ctxtrace::warn!(ctx, "could not get pod status"; error = ctxtrace::error(&err));
            false
        }
    }
}

/// A failed step of a sync. The provider's error is its source, and its
/// status code comes from there: `set_status` walks the `source()` chain, so
/// `io::ErrorKind::NotFound` gives `NotFound` and `InvalidInput` gives
/// `InvalidArgument`.
#[derive(Debug)]
pub(crate) struct SyncError {
    step: &'static str,
    source: io::Error,
}

impl SyncError {
    pub(crate) fn new(step: &'static str, source: io::Error) -> SyncError {
        SyncError { step, source }
    }
}

/// The result of a provider call, with an error as a failure of `step`.
pub(crate) fn step<T>(step: &'static str, result: io::Result<T>) -> Result<T, SyncError> {
    result.map_err(|source| SyncError::new(step, source))
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
