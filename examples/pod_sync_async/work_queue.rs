//! The work queue that the worker tasks await.

use std::pin::pin;
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::lock::lock;
use crate::queue::{Item, QueueState};

/// The queue between the informer and the worker tasks: a [`QueueState`]
/// behind a lock, which no task holds across an `.await`, with a [`Notify`]
/// for each thing a task waits for.
#[derive(Default)]
pub(crate) struct WorkQueue {
    state: Mutex<QueueState>,
    /// Notified when an item is added or the queue shuts down.
    work: Notify,
    /// Notified when the queue is empty and no item is being worked on.
    drained: Notify,
}

impl WorkQueue {
    pub(crate) fn add(&self, item: Item) {
        if lock(&self.state).push(item) {
            self.work.notify_one();
        }
    }

    /// The next item, waiting for one; `None` once the queue shuts down.
    pub(crate) async fn get(&self) -> Option<Item> {
        loop {
            // Registered before the queue is looked at, so that a
            // notification sent in between is not missed.
            let mut notified = pin!(self.work.notified());
            notified.as_mut().enable();
            {
                let mut state = lock(&self.state);
                if let Some(item) = state.pop() {
                    return Some(item);
                }
                if state.is_shut_down() {
                    return None;
                }
            }
            notified.await;
        }
    }

    /// Marks an item from [`get`](Self::get) as done, and queues `retry`.
    pub(crate) fn done(&self, retry: Option<Item>) {
        let mut state = lock(&self.state);
        if state.done(retry) {
            self.work.notify_one();
        }
        if state.is_drained() {
            self.drained.notify_waiters();
        }
    }

    pub(crate) async fn wait_until_drained(&self) {
        loop {
            let mut notified = pin!(self.drained.notified());
            notified.as_mut().enable();
            if lock(&self.state).is_drained() {
                return;
            }
            notified.await;
        }
    }

    pub(crate) fn shut_down(&self) {
        lock(&self.state).shut_down();
        self.work.notify_waiters();
    }
}
