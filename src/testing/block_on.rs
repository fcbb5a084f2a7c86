//! A minimal executor for tests and examples.

use std::future::Future;
use std::task::{Context, Poll, Waker};

/// Runs `future` to completion on the current thread and returns its
/// output, without any async runtime.
///
/// The future is polled with a no-op waker in a loop, yielding the thread
/// between polls that return `Pending`. It is meant for futures that make
/// progress without an external wakeup — such as the in-memory stores of
/// this module, whose calls complete on their first poll. A future that
/// waits for a timer, a socket or another task's wakeup would spin here
/// forever (or until that event happens on another thread): use a real
/// runtime for those.
///
/// # Example
///
/// ```
/// use ledgerlink::ports::ContactStore;
/// use ledgerlink::testing::{MemoryStore, block_on};
///
/// let store = MemoryStore::local();
/// let page = block_on(store.list(None))?;
/// assert!(page.contacts.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pending a few times before it is ready, waking nobody.
    struct Countdown(u32);

    impl Future for Countdown {
        type Output = &'static str;

        fn poll(mut self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
            if self.0 == 0 {
                Poll::Ready("done")
            } else {
                self.0 -= 1;
                Poll::Pending
            }
        }
    }

    #[test]
    fn runs_ready_and_pending_futures() {
        assert_eq!(block_on(async { 1 + 2 }), 3);
        assert_eq!(block_on(Countdown(3)), "done");
        let nested = block_on(async { Countdown(2).await.len() });
        assert_eq!(nested, 4);
    }
}
