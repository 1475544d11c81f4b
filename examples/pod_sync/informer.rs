//! The informer: each round's changes in Kubernetes, and the event handlers
//! that queue the changed pods' keys.

use ctxtrace::{Ctx, Logger, Span, Tracer};

use crate::api::{ApiServer, Event};
use crate::queue::{Item, Signal, WorkQueue};

/// One round of changes in Kubernetes, each passed to the informer's handler
/// for its kind: the first round adds every pod, later rounds update, delete
/// or re-create a few. Queueing a key never waits, so neither does a round,
/// whatever runs the workers.
pub(crate) fn run_round(
    ctx: &Ctx<impl Tracer, impl Logger>,
    kube: &ApiServer,
    queue: &WorkQueue<impl Signal>,
    pods: usize,
    round: u64,
) {
    for slot in 0..pods {
        if let Some((event, key)) = kube.simulate_change(slot, round) {
            handle_event(ctx, queue, event, key, round);
        }
    }
}

/// An informer event handler: enqueues the pod's key. Each event is a trace
/// of its own, like virtual-kubelet's `AddFunc` and friends.
fn handle_event(
    ctx: &Ctx<impl Tracer, impl Logger>,
    queue: &WorkQueue<impl Signal>,
    event: Event,
    key: String,
    round: u64,
) {
    let (ctx, mut span) = ctx.start_span(event.handler());
    let ctx = span.with_field(&ctx, "key", key.as_str());
    ctxtrace::debug!(ctx, "enqueuing pod"; round = round);
    queue.add(Item { key, retries: 0 });
}
