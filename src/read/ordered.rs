//! Parallel units of work whose results are taken in order: every thread of the pool takes
//! the next unit, and a result is handed on as soon as it and every earlier one are done, by
//! whichever thread finished the unit that was being waited for.
//!
//! Pass 1 joined its units in batches before: a thread idled at each batch's end, and two
//! whole batches of per-unit tables were alive at once, each growing onto fresh pages the
//! kernel had to clear (a tenth of pass 1 on a corpus of short documents). Here a result is
//! taken about as soon as it is made, so a few tables are reused round and round.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// Runs `make(i)` for every `i` in `0..n` on the current rayon pool's threads (units are
/// started in increasing `i`) and calls `take(i, result)` for each result in increasing `i`,
/// never two at once. At most `window` units (at least one) run or wait ahead of the first
/// result not yet taken: a thread that would start a unit further ahead waits, which bounds
/// the results held in memory when one unit is slow.
///
/// A panic in `make` or `take` stops the other threads from starting units and is raised
/// again here (as by rayon).
pub(crate) fn run<T: Send>(
    n: usize,
    window: usize,
    make: impl Fn(usize) -> T + Sync,
    take: impl FnMut(usize, T) + Send,
) {
    let window = window.max(1);
    let s = Shared {
        next: AtomicUsize::new(0),
        state: Mutex::new(State {
            slots: (0..n).map(|_| None).collect(),
            taken: 0,
        }),
        room: Condvar::new(),
        take: Mutex::new(take),
        failed: AtomicBool::new(false),
    };
    rayon::broadcast(|_| {
        // If this thread unwinds, the others must not wait for a unit that will never come.
        let guard = FailOnUnwind(&s);
        loop {
            if s.failed.load(Ordering::Relaxed) {
                break;
            }
            let i = s.next.fetch_add(1, Ordering::Relaxed);
            if i >= n {
                break;
            }
            {
                let mut st = lock(&s.state);
                while i >= st.taken + window && !s.failed.load(Ordering::Relaxed) {
                    st = s.room.wait(st).unwrap_or_else(PoisonError::into_inner);
                }
            }
            let r = make(i);
            lock(&s.state).slots[i] = Some(r);
            s.hand_on();
        }
        std::mem::forget(guard);
    });
}

struct State<T> {
    /// Results made and not yet taken, by unit.
    slots: Vec<Option<T>>,
    /// Results taken so far (the next to take is `slots[taken]`).
    taken: usize,
}

struct Shared<T, F> {
    /// The next unit to start.
    next: AtomicUsize,
    state: Mutex<State<T>>,
    /// Signalled when a result is taken (the window moves on) or a thread failed.
    room: Condvar,
    /// The consumer: whoever holds it takes results in order.
    take: Mutex<F>,
    failed: AtomicBool,
}

impl<T, F: FnMut(usize, T)> Shared<T, F> {
    /// Takes every result that is next in order, unless another thread is taking them; then
    /// looks again, since a result may have been made after that thread last looked.
    fn hand_on(&self) {
        loop {
            let Ok(mut take) = self.take.try_lock() else {
                return;
            };
            loop {
                let (i, r) = {
                    let mut st = lock(&self.state);
                    let i = st.taken;
                    match st.slots.get_mut(i).and_then(Option::take) {
                        Some(r) => (i, r),
                        None => break,
                    }
                };
                take(i, r);
                lock(&self.state).taken += 1;
                self.room.notify_all();
            }
            drop(take);
            let st = lock(&self.state);
            if !st.slots.get(st.taken).is_some_and(Option::is_some) {
                return;
            }
        }
    }
}

/// Locks `m`, going on after a panic elsewhere (which [`run`] raises again anyway).
fn lock<X>(m: &Mutex<X>) -> MutexGuard<'_, X> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Marks the run failed and wakes every waiting thread when dropped (only while unwinding:
/// a thread that finishes forgets it).
struct FailOnUnwind<'a, T, F>(&'a Shared<T, F>);

impl<T, F> Drop for FailOnUnwind<'_, T, F> {
    fn drop(&mut self) {
        self.0.failed.store(true, Ordering::Relaxed);
        // Taking the lock orders the flag before any waiter's next look at it.
        drop(self.0.state.lock());
        self.0.room.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
    }

    /// Results are taken in order whatever the order units finish in, every unit once.
    #[test]
    fn results_are_taken_in_order_whatever_order_units_finish_in() {
        for threads in [1, 2, 4] {
            for window in [1, 3, 32] {
                let mut got = Vec::new();
                pool(threads).install(|| {
                    run(
                        50,
                        window,
                        |i| {
                            // Early units are slowest, so later ones finish first.
                            std::thread::sleep(Duration::from_micros(((50 - i) * 40) as u64));
                            i * 10
                        },
                        |i, r| got.push((i, r)),
                    );
                });
                let want: Vec<(usize, usize)> = (0..50).map(|i| (i, i * 10)).collect();
                assert_eq!(got, want, "{threads} threads, window {window}");
            }
        }
    }

    /// No unit starts more than `window` units ahead of the first result not yet taken.
    #[test]
    fn units_never_start_more_than_a_window_ahead_of_what_was_taken() {
        let taken = AtomicUsize::new(0);
        let worst = AtomicUsize::new(0);
        pool(4).install(|| {
            run(
                200,
                3,
                |i| {
                    let ahead = i - taken.load(Ordering::SeqCst);
                    worst.fetch_max(ahead, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_micros((i % 7 * 50) as u64));
                },
                |_, ()| {
                    taken.fetch_add(1, Ordering::SeqCst);
                },
            );
        });
        assert_eq!(taken.load(Ordering::SeqCst), 200);
        let worst = worst.load(Ordering::SeqCst);
        assert!(worst < 3, "a unit started {worst} ahead of a window of 3");
        assert!(worst > 0, "units never ran side by side");
    }

    /// A panicking unit is raised again instead of leaving the other threads waiting.
    #[test]
    fn a_panicking_unit_is_raised_not_waited_for() {
        let r = std::panic::catch_unwind(|| {
            pool(3).install(|| {
                run(
                    100,
                    2,
                    |i| {
                        assert_ne!(i, 5, "unit 5 fails");
                        std::thread::sleep(Duration::from_micros(100));
                    },
                    |_, ()| {},
                );
            });
        });
        assert!(r.is_err());
    }

    /// Nothing to do is nothing done.
    #[test]
    fn no_units_take_nothing() {
        let mut calls = 0;
        pool(2).install(|| run(0, 4, |i| i, |_, _| calls += 1));
        assert_eq!(calls, 0);
    }
}
