//! The work queue that the worker tasks await.

use std::pin::pin;

use tokio::sync::Notify;

use crate::lock::lock;
use crate::queue::{self, Item, Signal};

/// The queue between the informer and the worker tasks, with a [`Notify`]
/// for each thing a task waits for. No task holds its lock across an
/// `.await`.
pub(crate) type WorkQueue = queue::WorkQueue<Notify>;

impl Signal for Notify {
    fn wake_one(&self) {
        self.notify_one();
    }

    fn wake_all(&self) {
        self.notify_waiters();
    }
}

impl WorkQueue {
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
}
