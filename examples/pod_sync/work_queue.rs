//! The work queue that the worker threads block on.

use std::sync::{Condvar, PoisonError};

use crate::lock::lock;
use crate::queue::{self, Item, Signal};

/// The queue between the informer and the worker threads, with a condition
/// variable for each thing a thread waits for.
pub(crate) type WorkQueue = queue::WorkQueue<Condvar>;

impl Signal for Condvar {
    fn wake_one(&self) {
        self.notify_one();
    }

    fn wake_all(&self) {
        self.notify_all();
    }
}

impl WorkQueue {
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

    pub(crate) fn wait_until_drained(&self) {
        let state = lock(&self.state);
        let _drained = self
            .drained
            .wait_while(state, |s| !s.is_drained())
            .unwrap_or_else(PoisonError::into_inner);
    }
}
