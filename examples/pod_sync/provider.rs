//! The provider: a mock that runs pods in memory and fails some calls.
//!
//! It knows nothing of tracing: a controller calls it inside its own spans.

use std::collections::HashMap;
use std::io;
use std::sync::Mutex;

use crate::api::{Phase, Pod, PodStatus};
use crate::lock::lock;
use crate::rng::{Rng, fnv1a};

/// Chance, in percent, that a provider call fails.
const CREATE_FAILURE_PERCENT: u64 = 8;
const UPDATE_FAILURE_PERCENT: u64 = 8;
const STATUS_FAILURE_PERCENT: u64 = 2;

/// A provider that runs pods in memory, and fails some calls.
///
/// Whether a call fails depends only on the pod's key and on how many calls
/// the provider has had for that key. Keys are synced one at a time, so every
/// run with the same flags fails the same calls.
#[derive(Default)]
pub(crate) struct MockProvider {
    state: Mutex<ProviderState>,
}

#[derive(Default)]
struct ProviderState {
    pods: HashMap<String, ProviderPod>,
    calls: HashMap<String, u64>,
}

/// A pod as the provider runs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ProviderPod {
    pub(crate) generation: u64,
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
    pub(crate) fn get_pod(&self, key: &str) -> Option<ProviderPod> {
        lock(&self.state).pods.get(key).copied()
    }

    pub(crate) fn create_pod(&self, pod: &Pod) -> io::Result<()> {
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
        Ok(())
    }

    /// Runs the pod's new spec, and returns the generation it replaced.
    pub(crate) fn update_pod(&self, pod: &Pod) -> io::Result<u64> {
        let mut state = lock(&self.state);
        if state.fails(&pod.key, UPDATE_FAILURE_PERCENT) {
            return Err(not_found("pod not found in provider"));
        }
        let running = state.pods.get_mut(&pod.key);
        let running = running.ok_or_else(|| not_found("pod not found in provider"))?;
        let from = running.generation;
        running.generation = pod.generation;
        Ok(from)
    }

    pub(crate) fn delete_pod(&self, key: &str) -> io::Result<()> {
        let deleted = lock(&self.state).pods.remove(key);
        deleted
            .map(drop)
            .ok_or_else(|| not_found("pod not found in provider"))
    }

    /// The pod's status. A pending pod's containers start once it has been
    /// looked at, so the next call sees it running.
    pub(crate) fn get_pod_status(&self, key: &str) -> io::Result<PodStatus> {
        let mut state = lock(&self.state);
        if state.fails(key, STATUS_FAILURE_PERCENT) {
            return Err(not_found("pod status not found"));
        }
        let pod = state.pods.get_mut(key);
        let pod = pod.ok_or_else(|| not_found("pod not found in provider"))?;
        let status = pod.status;
        pod.status = PodStatus::new(Phase::Running, "");
        Ok(status)
    }
}

fn not_found(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, message)
}
