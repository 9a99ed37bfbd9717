//! A global allocator that counts: the bytes every thread holds (now, and the most at once),
//! and, apart, the bytes held by the threads marked as client threads (so that a benchmark
//! can measure clients while mock Rooms run in the same process on other threads).
//!
//! A binary that includes this module declares the allocator itself:
//! `#[global_allocator] static ALLOCATOR: memory::Counting = memory::Counting;`. Used by
//! `tests/client_memory.rs`, `tests/hostile_room.rs`, `tests/client_fleet_memory.rs` and
//! `benches/fleet.rs`.

// Each binary uses a part of it.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

/// Counts every allocation it passes to the system allocator.
pub struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static MARKED: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static IS_MARKED: Cell<bool> = const { Cell::new(false) };
}

fn marked() -> bool {
    IS_MARKED.try_with(Cell::get).unwrap_or(false)
}

fn grew(size: usize) {
    let now = CURRENT.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
    if marked() {
        MARKED.fetch_add(size as isize, Ordering::Relaxed);
    }
}

fn shrank(size: usize) {
    CURRENT.fetch_sub(size, Ordering::Relaxed);
    if marked() {
        MARKED.fetch_sub(size as isize, Ordering::Relaxed);
    }
}

// SAFETY: every call is passed to the system allocator unchanged; the counters are only
// bookkeeping (and touch no allocation).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, which is the system allocator's.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`.
        unsafe { System.dealloc(pointer, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            shrank(layout.size());
            grew(new_size);
        }
        moved
    }
}

/// Bytes the process holds now.
pub fn current() -> usize {
    CURRENT.load(Ordering::Relaxed)
}

/// Starts a new peak from what is held now; returns that.
pub fn reset_peak() -> usize {
    let now = current();
    PEAK.store(now, Ordering::Relaxed);
    now
}

/// The most the process has held at once since [`reset_peak`].
pub fn peak() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// Marks the calling thread as a client thread: [`held_by_marked`] counts its allocations
/// from now on.
pub fn mark_this_thread() {
    IS_MARKED.with(|marked| marked.set(true));
}

/// Bytes allocated and not yet freed by the marked threads.
pub fn held_by_marked() -> isize {
    MARKED.load(Ordering::Relaxed)
}
