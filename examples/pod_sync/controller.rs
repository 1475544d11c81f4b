//! The pod controller on threads: the informer's handlers, the workers' syncs
//! and the status sync, each step in a span.

use std::io;
use std::sync::atomic::Ordering;

use ctxtrace::{Ctx, ErrorStatus, Logger, Span, Tracer};

use crate::api::{ApiServer, Event, Phase, Pod, PodStatus};
use crate::provider::{MockProvider, ProviderPod};
use crate::queue::Item;
use crate::reconcile::{MAX_RETRIES, SyncError, step, with_pod, with_status};
use crate::report::Stats;
use crate::work_queue::WorkQueue;

/// What the controller works with: the Kubernetes side, the provider, the
/// queue between them, and counters for the summary.
#[derive(Default)]
pub(crate) struct PodController {
    kube: ApiServer,
    provider: TracedProvider,
    pub(crate) queue: WorkQueue,
    pub(crate) stats: Stats,
}

impl PodController {
    /// A worker: takes keys off the queue until it shuts down.
    pub(crate) fn run_worker(&self, ctx: &Ctx<impl Tracer, impl Logger>) {
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
            Err(source) => Err(SyncError::new("delete pod", source)),
        };
        span.set_status(&result);
        result
    }

    /// The periodic status sync: asks the provider for the status of every
    /// pod, one span per pod, and writes changes back to Kubernetes.
    pub(crate) fn update_pod_statuses(&self, ctx: &Ctx<impl Tracer, impl Logger>) {
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
    pub(crate) fn informer_round(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        pods: usize,
        round: u64,
    ) {
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

/// The provider as the controller calls it: each call in a span of its own,
/// named after the provider's method.
#[derive(Default)]
struct TracedProvider {
    provider: MockProvider,
}

impl TracedProvider {
    fn get_pod(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        key: &str,
    ) -> io::Result<Option<ProviderPod>> {
        ctx.in_span("provider.GetPod", |_ctx| Ok(self.provider.get_pod(key)))
    }

    fn create_pod(&self, ctx: &Ctx<impl Tracer, impl Logger>, pod: &Pod) -> io::Result<()> {
        ctx.in_span("provider.CreatePod", |ctx| {
            self.provider.create_pod(pod)?;
            ctxtrace::debug!(ctx, "created pod"; generation = pod.generation);
            Ok(())
        })
    }

    fn update_pod(&self, ctx: &Ctx<impl Tracer, impl Logger>, pod: &Pod) -> io::Result<()> {
        ctx.in_span("provider.UpdatePod", |ctx| {
            let from = self.provider.update_pod(pod)?;
            ctxtrace::debug!(ctx, "updated pod"; from = from, to = pod.generation);
            Ok(())
        })
    }

    fn delete_pod(&self, ctx: &Ctx<impl Tracer, impl Logger>, key: &str) -> io::Result<()> {
        ctx.in_span("provider.DeletePod", |_ctx| self.provider.delete_pod(key))
    }

    fn get_pod_status(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        key: &str,
    ) -> io::Result<PodStatus> {
        ctx.in_span("provider.GetPodStatus", |_ctx| {
            self.provider.get_pod_status(key)
        })
    }
}
