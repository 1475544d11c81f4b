//! Kubernetes: pods, and the API server that changes them round by round.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use ctxtrace::{ToValue, Value};

use crate::lock::lock;
use crate::rng::Rng;

/// A pod as Kubernetes has it.
#[derive(Clone, Debug)]
pub(crate) struct Pod {
    pub(crate) key: String,
    pub(crate) uid: String,
    pub(crate) namespace: String,
    pub(crate) name: String,
    /// Bumped by every update of the pod's spec.
    pub(crate) generation: u64,
    pub(crate) status: PodStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PodStatus {
    pub(crate) phase: Phase,
    /// Empty unless something needs explaining.
    pub(crate) reason: &'static str,
}

impl PodStatus {
    pub(crate) fn new(phase: Phase, reason: &'static str) -> PodStatus {
        PodStatus { phase, reason }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
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
pub(crate) enum Event {
    Add,
    Update,
    Delete,
}

impl Event {
    /// The name of the handler, which is also the name of its span.
    pub(crate) fn handler(self) -> &'static str {
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
pub(crate) struct ApiServer {
    pods: Mutex<HashMap<String, Pod>>,
}

impl ApiServer {
    pub(crate) fn get(&self, key: &str) -> Option<Pod> {
        lock(&self.pods).get(key).cloned()
    }

    /// Every pod, in key order so that runs repeat.
    pub(crate) fn list(&self) -> Vec<Pod> {
        let mut pods: Vec<Pod> = lock(&self.pods).values().cloned().collect();
        pods.sort_by(|a, b| a.key.cmp(&b.key));
        pods
    }

    pub(crate) fn update_status(&self, key: &str, status: PodStatus) {
        if let Some(pod) = lock(&self.pods).get_mut(key) {
            pod.status = status;
        }
    }

    /// Changes pod `slot` the way users would in round `round`, and returns
    /// the event the informer sees. The first round creates every pod; later,
    /// a pod's spec is updated 20% of the time and the pod is deleted 3% of
    /// the time, and a deleted pod is created again, with a new uid, 30% of
    /// the time.
    pub(crate) fn simulate_change(&self, slot: usize, round: u64) -> Option<(Event, String)> {
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
