//! The work queue, but for how a worker waits on it: each key queued at most
//! once, a count of the items being worked on, and whom to wake when they
//! change.
//!
//! Nothing here waits: each controller's `work_queue` module picks the
//! [`Signal`] its workers wait on, and adds the waiting, a thread's or a
//! task's.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use crate::lock::lock;

/// A key to sync, and how many times it has been requeued.
#[derive(Debug)]
pub(crate) struct Item {
    pub(crate) key: String,
    pub(crate) retries: u32,
}

/// The keys between the informer and the workers. A key is queued at most
/// once; the items being worked on are counted, so that the informer can wait
/// for the queue to drain before the status sync.
#[derive(Default)]
pub(crate) struct QueueState {
    items: VecDeque<Item>,
    queued: HashSet<String>,
    in_flight: usize,
    shut_down: bool,
}

impl QueueState {
    /// Queues `item` unless its key is queued already, and returns whether it
    /// was queued.
    pub(crate) fn push(&mut self, item: Item) -> bool {
        let new = self.queued.insert(item.key.clone());
        if new {
            self.items.push_back(item);
        }
        new
    }

    /// The next item, counted as being worked on until [`done`](Self::done).
    pub(crate) fn pop(&mut self) -> Option<Item> {
        let item = self.items.pop_front()?;
        self.queued.remove(&item.key);
        self.in_flight += 1;
        Some(item)
    }

    /// Marks an item from [`pop`](Self::pop) as done, queues `retry`, and
    /// returns whether `retry` was queued.
    pub(crate) fn done(&mut self, retry: Option<Item>) -> bool {
        self.in_flight -= 1;
        retry.is_some_and(|item| self.push(item))
    }

    /// Whether the queue is empty and no item is being worked on.
    pub(crate) fn is_drained(&self) -> bool {
        self.items.is_empty() && self.in_flight == 0
    }

    /// From now on, workers that find the queue empty stop.
    pub(crate) fn shut_down(&mut self) {
        self.shut_down = true;
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down
    }
}

/// How a [`WorkQueue`] wakes those that wait on it: a condition variable for
/// threads, a `tokio::sync::Notify` for tasks.
pub(crate) trait Signal: Default {
    /// Wakes one waiter.
    fn wake_one(&self);

    /// Wakes every waiter there is now.
    fn wake_all(&self);
}

/// The queue between the informer and the workers: a [`QueueState`] behind a
/// lock, with a [`Signal`] for each thing a worker or the informer waits for.
/// The controller's `work_queue` module adds the waiting.
#[derive(Default)]
pub(crate) struct WorkQueue<S> {
    pub(crate) state: Mutex<QueueState>,
    /// Signalled when an item is added or the queue shuts down.
    pub(crate) work: S,
    /// Signalled when the queue is empty and no item is being worked on.
    pub(crate) drained: S,
}

impl<S: Signal> WorkQueue<S> {
    pub(crate) fn add(&self, item: Item) {
        if lock(&self.state).push(item) {
            self.work.wake_one();
        }
    }

    /// Marks an item that a worker took as done, and queues `retry`.
    pub(crate) fn done(&self, retry: Option<Item>) {
        let mut state = lock(&self.state);
        if state.done(retry) {
            self.work.wake_one();
        }
        if state.is_drained() {
            self.drained.wake_all();
        }
    }

    pub(crate) fn shut_down(&self) {
        lock(&self.state).shut_down();
        self.work.wake_all();
    }
}
