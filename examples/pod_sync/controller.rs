//! The pod controller on threads: the workers' syncs and the status sync,
//! each step in a span.

use std::io;

use ctxtrace::{Ctx, Logger, Span, Tracer};

use crate::api::{ApiServer, Pod, PodStatus};
use crate::provider::{MockProvider, ProviderPod};
use crate::queue::Item;
use crate::reconcile::{self, SyncError, step, with_pod};
use crate::report::Stats;
use crate::work_queue::WorkQueue;

/// What the controller works with: the Kubernetes side, the provider, the
/// queue between them, and counters for the summary.
#[derive(Default)]
pub(crate) struct PodController {
    pub(crate) kube: ApiServer,
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
    fn handle_queue_item(&self, ctx: &Ctx<impl Tracer, impl Logger>, item: Item) -> Option<Item> {
        let (ctx, mut span) = ctx.start_span("handleQueueItem");
        let ctx = span.with_field(&ctx, "key", item.key.as_str());
        let result = self.sync_pod_from_kubernetes(&ctx, &item.key);
        span.set_status(&result);
        reconcile::finish_queue_item(&ctx, &self.stats, item, result)
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
    /// marked `Failed` in Kubernetes, and the error goes up so the key is
    /// retried.
    fn sync_pod_in_provider(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        pod: &Pod,
    ) -> Result<(), SyncError> {
        let (ctx, mut span) = ctx.start_span("syncPodInProvider");
        let result = self.create_or_update_pod(&ctx, pod);
        if let Err(err) = &result {
            reconcile::mark_provider_failed(&mut span, &ctx, &self.kube, pod, err);
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
            reconcile::log_provider_status(&mut span, &ctx, pod, status);
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
        let result = reconcile::finish_delete(&ctx, self.provider.delete_pod(&ctx, key));
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
        reconcile::finish_status_update(&mut span, &ctx, &self.kube, &self.stats, pod, result)
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
