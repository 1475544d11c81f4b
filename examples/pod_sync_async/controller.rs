//! The pod controller on tokio: a spawned task for each sync, and the status
//! sync, each step in a span.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use ctxtrace::{Ctx, Logger, SendLogger, SendTracer, Span, Tracer};
use tokio::task::JoinSet;

use crate::api::{ApiServer, Pod, PodStatus};
use crate::client::ProviderClient;
use crate::queue::Item;
use crate::reconcile::{self, SyncError, step, with_pod};
use crate::report::Stats;
use crate::work_queue::WorkQueue;

/// What the controller works with: the Kubernetes side, the provider, the
/// queue between them, and counters for the summary. Tasks share it through
/// an `Arc`.
#[derive(Default)]
pub(crate) struct PodController {
    pub(crate) kube: ApiServer,
    provider: ProviderClient,
    pub(crate) queue: WorkQueue,
    pub(crate) stats: Stats,
}

impl PodController {
    /// A worker: takes keys off the queue until it shuts down, and syncs
    /// each in a task of its own.
    ///
    /// The task owns a clone of the context, whose span is the parent of
    /// the spans the task starts, on whichever thread it runs: no
    /// `.instrument()` is needed.
    pub(crate) async fn run_worker<T: SendTracer, L: SendLogger>(self: Arc<Self>, ctx: Ctx<T, L>) {
        while let Some(item) = self.queue.get().await {
            let key = item.key.clone();
            let sync = tokio::spawn(Arc::clone(&self).handle_queue_item(ctx.clone(), item));
            let retry = match sync.await {
                Ok(retry) => retry,
                // A sync that panicked: its spans ended with an error status,
                // and the key is not retried.
                Err(err) => {
                    self.stats.dropped_keys.fetch_add(1, Ordering::Relaxed);
                    ctxtrace::error!(ctx, "sync task failed, dropping key";
                        key = key.as_str(), error = ctxtrace::error(&err));
                    None
                }
            };
            self.queue.done(retry);
        }
    }

    /// Syncs one key, and returns it to be requeued if the sync failed and
    /// has retries left.
    async fn handle_queue_item<T: SendTracer, L: SendLogger>(
        self: Arc<Self>,
        ctx: Ctx<T, L>,
        item: Item,
    ) -> Option<Item> {
        let (ctx, mut span) = ctx.start_span("handleQueueItem");
        let ctx = span.with_field(&ctx, "key", item.key.as_str());
        let result = self.sync_pod_from_kubernetes(&ctx, &item.key).await;
        span.set_status(&result);
        reconcile::finish_queue_item(&ctx, &self.stats, item, result)
    }

    /// Compares Kubernetes with the provider: a pod that Kubernetes no longer
    /// has is deleted from the provider, any other is synced into it.
    async fn sync_pod_from_kubernetes(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        key: &str,
    ) -> Result<(), SyncError> {
        // A span that gets fields is started by hand, and ends when dropped
        // at the end of the function, after the last `.await`.
        let (ctx, mut span) = ctx.start_span("syncPodFromKubernetes");
        let result = match self.kube.get(key) {
            None => self.delete_pod(&ctx, key).await,
            Some(pod) => {
                let ctx = with_pod(&mut span, &ctx, &pod);
                self.sync_pod_in_provider(&ctx, &pod).await
            }
        };
        span.set_status(&result);
        result
    }

    /// Makes the provider run `pod`. When the provider fails, the pod is
    /// marked `Failed` in Kubernetes, and the error goes up so the key is
    /// retried.
    async fn sync_pod_in_provider(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        pod: &Pod,
    ) -> Result<(), SyncError> {
        let (ctx, mut span) = ctx.start_span("syncPodInProvider");
        let result = self.create_or_update_pod(&ctx, pod).await;
        if let Err(err) = &result {
            reconcile::mark_provider_failed(&mut span, &ctx, &self.kube, pod, err);
        }
        span.set_status(&result);
        result
    }

    /// Creates the pod in the provider, or updates it if Kubernetes has a
    /// newer version, then reads back the status it runs with.
    async fn create_or_update_pod(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        pod: &Pod,
    ) -> Result<(), SyncError> {
        let (ctx, mut span) = ctx.start_span("createOrUpdatePod");
        let result = self.apply_to_provider(&ctx, pod).await;
        if let Ok(status) = &result {
            reconcile::log_provider_status(&mut span, &ctx, pod, status);
        }
        span.set_status(&result);
        result.map(drop)
    }

    /// The provider calls of [`create_or_update_pod`](Self::create_or_update_pod).
    async fn apply_to_provider(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        pod: &Pod,
    ) -> Result<PodStatus, SyncError> {
        let provider = &self.provider;
        match step("get pod", provider.get_pod(ctx, &pod.key).await)? {
            None => step("create pod", provider.create_pod(ctx, pod).await)?,
            Some(existing) if existing.generation == pod.generation => {
                ctxtrace::debug!(ctx, "pod is up to date in the provider";
                    generation = pod.generation);
            }
            Some(_) => step("update pod", provider.update_pod(ctx, pod).await)?,
        }
        step(
            "get pod status",
            provider.get_pod_status(ctx, &pod.key).await,
        )
    }

    /// Deletes from the provider a pod that Kubernetes deleted. A pod that
    /// the provider does not have is already deleted: not an error.
    async fn delete_pod(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        key: &str,
    ) -> Result<(), SyncError> {
        // A span with no fields of its own: `in_span_async` starts it, and
        // sets its status from the result.
        ctx.in_span_async("deletePod", |ctx| async move {
            reconcile::finish_delete(&ctx, self.provider.delete_pod(&ctx, key).await)
        })
        .await
    }

    /// The periodic status sync: asks the provider for the status of every
    /// pod, all at once, one task and one span per pod, and writes changes
    /// back to Kubernetes.
    pub(crate) async fn update_pod_statuses<T: SendTracer, L: SendLogger>(
        self: &Arc<Self>,
        ctx: &Ctx<T, L>,
    ) {
        let (ctx, mut span) = ctx.start_span("updatePodStatuses");
        let pods = self.kube.list();
        let ctx = span.with_field(&ctx, "pods", pods.len());
        let mut updates = JoinSet::new();
        for pod in pods {
            updates.spawn(Arc::clone(self).update_pod_status(ctx.clone(), pod));
        }
        let changed = updates.join_all().await.into_iter().filter(|&c| c).count();
        ctxtrace::debug!(ctx, "status sync done"; changed = changed);
    }

    /// Copies one pod's status from the provider to Kubernetes, and returns
    /// whether it changed.
    async fn update_pod_status<T: SendTracer, L: SendLogger>(
        self: Arc<Self>,
        ctx: Ctx<T, L>,
        pod: Pod,
    ) -> bool {
        let (ctx, mut span) = ctx.start_span("updatePodStatus");
        let ctx = with_pod(&mut span, &ctx, &pod);
        let result = self.provider.get_pod_status(&ctx, &pod.key).await;
        span.set_status(&result);
        reconcile::finish_status_update(&mut span, &ctx, &self.kube, &self.stats, &pod, result)
    }
}
