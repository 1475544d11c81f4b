//! The work queue that the worker threads block on.

use std::sync::{Condvar, Mutex, PoisonError};

use crate::lock::lock;
use crate::queue::{Item, QueueState};

/// The queue between the informer and the worker threads: a [`QueueState`]
/// behind a lock, with a condition variable for each thing a thread waits
/// for.
#[derive(Default)]
pub(crate) struct WorkQueue {
    state: Mutex<QueueState>,
    /// Signalled when an item is added or the queue shuts down.
    work: Condvar,
    /// Signalled when the queue is empty and no item is being worked on.
    drained: Condvar,
}

impl WorkQueue {
    pub(crate) fn add(&self, item: Item) {
        if lock(&self.state).push(item) {
            self.work.notify_one();
        }
    }

    /// The next item, waiting for one; `None` once the queue shuts down.
    pub(crate) fn get(&self) -> Option<Item> {
        let mut state = lock(&self.state);
        loop {
            if let Some(item) = state.pop() {
                return Some(item);
            }
            if state.is_shut_down() {
                return None;
            }
            state = self
                .work
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Marks an item from [`get`](Self::get) as done, and queues `retry`.
    pub(crate) fn done(&self, retry: Option<Item>) {
        let mut state = lock(&self.state);
        if state.done(retry) {
            self.work.notify_one();
        }
        if state.is_drained() {
            self.drained.notify_all();
        }
    }

    pub(crate) fn wait_until_drained(&self) {
        let state = lock(&self.state);
        let _drained = self
            .drained
            .wait_while(state, |s| !s.is_drained())
            .unwrap_or_else(PoisonError::into_inner);
    }

    pub(crate) fn shut_down(&self) {
        lock(&self.state).shut_down();
        self.work.notify_all();
    }
}
