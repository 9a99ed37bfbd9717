//! An allocator that counts: the bytes a test binary has allocated right now and the most it
//! ever had at once. A memory test installs it with
//! `#[global_allocator] static ALLOCATOR: Counting = Counting;` in its own binary (it counts the
//! whole process, so such a binary runs its measurements one at a time).
//!
//! Apart, it counts what the threads marked with [`mark_this_thread`] hold, so that clients
//! can be measured while mock Rooms run in the same process on other threads
//! (`benches/support/fleet.rs`, which `tests/client_fleet_memory.rs` and `benches/fleet.rs`
//! include along with this file).

// Each binary uses a part of it.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

/// Passes every call to the system allocator and counts.
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
// bookkeeping.
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

/// Starts a measurement: returns the bytes allocated now, and the peak counts from here.
pub fn measure() -> usize {
    let now = CURRENT.load(Ordering::Relaxed);
    PEAK.store(now, Ordering::Relaxed);
    now
}

/// How far above `before` (from [`measure`]) the allocations have peaked since.
pub fn growth_since(before: usize) -> usize {
    PEAK.load(Ordering::Relaxed).saturating_sub(before)
}

/// Marks the calling thread: [`held_by_marked`] counts its allocations from now on.
pub fn mark_this_thread() {
    IS_MARKED.with(|marked| marked.set(true));
}

/// Bytes allocated and not yet freed by the marked threads.
pub fn held_by_marked() -> isize {
    MARKED.load(Ordering::Relaxed)
}
