//! Order-preserving data parallelism, sequential without the `parallel`
//! feature. Results never depend on the number of threads.

/// How many threads the helpers below spread work over: rayon's pool
/// with the `parallel` feature, else one. (Read by the Xero codec only.)
#[cfg_attr(not(feature = "xero"), allow(dead_code))]
pub(crate) fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// Maps consecutive chunks of `items`, in order.
pub(crate) fn map_chunks<T, U, F>(items: &[T], chunk: usize, f: F) -> Vec<U>
where
    T: Sync,
    U: Send,
    F: Fn(&[T]) -> U + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        if items.len() > chunk {
            return items.par_chunks(chunk).map(f).collect();
        }
    }
    items.chunks(chunk.max(1)).map(f).collect()
}

/// Runs two closures, in parallel when possible.
pub(crate) fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    #[cfg(feature = "parallel")]
    {
        rayon::join(a, b)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (a(), b())
    }
}

/// Maps every position of `range`, in order, into `out` (cleared first;
/// its allocation is reused).
pub(crate) fn map_range_into<U, F>(range: std::ops::Range<usize>, f: F, out: &mut Vec<U>)
where
    U: Send,
    F: Fn(usize) -> U + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        if range.len() >= 4096 {
            range
                .into_par_iter()
                .with_min_len(1024)
                .map(f)
                .collect_into_vec(out);
            return;
        }
    }
    out.clear();
    out.extend(range.map(f));
}

/// Calls `f` on matching chunks of `items` and `out` (same length).
pub(crate) fn zip_chunks_mut<T, U, F>(items: &[T], out: &mut [U], chunk: usize, f: F)
where
    T: Sync,
    U: Send,
    F: Fn(&[T], &mut [U]) + Sync + Send,
{
    let chunk = chunk.max(1);
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        if items.len() > chunk {
            items
                .par_chunks(chunk)
                .zip(out.par_chunks_mut(chunk))
                .for_each(|(a, b)| f(a, b));
            return;
        }
    }
    for (a, b) in items.chunks(chunk).zip(out.chunks_mut(chunk)) {
        f(a, b);
    }
}

/// Runs `background` on the pool while `here` runs on the calling thread
/// (which need not be `Send`), and returns when both are done.
pub(crate) fn overlap<B, H>(background: B, here: H)
where
    B: FnOnce() + Send,
    H: FnOnce(),
{
    #[cfg(feature = "parallel")]
    {
        rayon::in_place_scope(|scope| {
            scope.spawn(|_| background());
            here();
        });
    }
    #[cfg(not(feature = "parallel"))]
    {
        background();
        here();
    }
}

/// Sorts, in parallel where possible.
pub(crate) fn sort_unstable<T: Ord + Send>(v: &mut [T]) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        v.par_sort_unstable();
    }
    #[cfg(not(feature = "parallel"))]
    v.sort_unstable();
}
