//! The provider as the async controller calls it: each call awaited, with
//! some latency, in a span of its own, and given up after a timeout.

use std::collections::HashMap;
use std::io;
use std::sync::Mutex;
use std::time::Duration;

use ctxtrace::{Ctx, Logger, Tracer};

use crate::api::{Pod, PodStatus};
use crate::lock::lock;
use crate::provider::{MockProvider, ProviderPod};
use crate::rng::{Rng, fnv1a};

/// How long the controller waits for one provider call.
const CALL_TIMEOUT: Duration = Duration::from_millis(2);

/// The latency of a call, from this many microseconds up to twice as many.
const LATENCY_MICROS: u64 = 100;

/// Chance, in percent, that a call hangs for [`SLOW_CALL`]: far past
/// [`CALL_TIMEOUT`], so it is always given up on.
const SLOW_CALL_PERCENT: u64 = 2;
const SLOW_CALL: Duration = Duration::from_millis(50);

/// Mixed into the seed of a call's latency, so that slow calls and failing
/// calls are not the same ones.
const LATENCY_SEED: u64 = 0x1a7e_9c5e;

/// The mock provider behind a network of sorts.
///
/// A call's latency depends only on the pod's key and on how many calls the
/// client has made for that key, as the provider's failures do, so every run
/// with the same flags times out the same calls. Tokio's timer counts whole
/// milliseconds, so each call lasts until the millisecond tick after its
/// latency.
#[derive(Default)]
pub(crate) struct ProviderClient {
    provider: MockProvider,
    calls: Mutex<HashMap<String, u64>>,
}

impl ProviderClient {
    pub(crate) async fn get_pod(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        key: &str,
    ) -> io::Result<Option<ProviderPod>> {
        self.call(ctx, "provider.GetPod", key, |_ctx| {
            Ok(self.provider.get_pod(key))
        })
        .await
    }

    pub(crate) async fn create_pod(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        pod: &Pod,
    ) -> io::Result<()> {
        self.call(ctx, "provider.CreatePod", &pod.key, |ctx| {
            self.provider.create_pod(pod)?;
            ctxtrace::debug!(ctx, "created pod"; generation = pod.generation);
            Ok(())
        })
        .await
    }

    pub(crate) async fn update_pod(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        pod: &Pod,
    ) -> io::Result<()> {
        self.call(ctx, "provider.UpdatePod", &pod.key, |ctx| {
            let from = self.provider.update_pod(pod)?;
            ctxtrace::debug!(ctx, "updated pod"; from = from, to = pod.generation);
            Ok(())
        })
        .await
    }

    pub(crate) async fn delete_pod(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        key: &str,
    ) -> io::Result<()> {
        self.call(ctx, "provider.DeletePod", key, |_ctx| {
            self.provider.delete_pod(key)
        })
        .await
    }

    pub(crate) async fn get_pod_status(
        &self,
        ctx: &Ctx<impl Tracer, impl Logger>,
        key: &str,
    ) -> io::Result<PodStatus> {
        self.call(ctx, "provider.GetPodStatus", key, |_ctx| {
            self.provider.get_pod_status(key)
        })
        .await
    }

    /// One call: `op` runs once the call's latency has passed, in a span
    /// named `name`. A call that takes longer than [`CALL_TIMEOUT`] is
    /// dropped unfinished, which ends its span `Cancelled`, and fails with
    /// `io::ErrorKind::TimedOut`, which a caller's span records as
    /// `DeadlineExceeded`.
    async fn call<T: Tracer, L: Logger, R>(
        &self,
        ctx: &Ctx<T, L>,
        name: &'static str,
        key: &str,
        op: impl FnOnce(&Ctx<T, L>) -> io::Result<R>,
    ) -> io::Result<R> {
        let latency = self.latency(key);
        let call = ctx.in_span_async(name, |ctx| async move {
            tokio::time::sleep(latency).await;
            op(&ctx)
        });
        // `Elapsed` converts into an `io::Error` of kind `TimedOut`.
        tokio::time::timeout(CALL_TIMEOUT, call).await?
    }

    /// Counts a call for `key`, and decides how long it takes.
    fn latency(&self, key: &str) -> Duration {
        let mut calls = lock(&self.calls);
        let calls = calls.entry(key.to_string()).or_default();
        *calls += 1;
        let mut rng = Rng::new(&[fnv1a(key), *calls, LATENCY_SEED]);
        if rng.percent() < SLOW_CALL_PERCENT {
            SLOW_CALL
        } else {
            Duration::from_micros(LATENCY_MICROS + rng.next() % LATENCY_MICROS)
        }
    }
}
