#pragma once
/// How busy the machine is apart from this process: what the adaptive thread policy
/// (core/threads.h) reads. Linux only: /proc/stat for the machine's busy CPU time (ticks of
/// 10 ms), CLOCK_PROCESS_CPUTIME_ID for this process's own, /proc/loadavg for a snapshot of
/// runnable tasks. Where /proc cannot be read the machine counts as idle (the policy then
/// behaves like a fixed thread count).
///
/// Thread-safety: free functions without shared state; safe from any thread.
#include <optional>

namespace fastai {

/// Cumulative CPU times at one instant, in seconds.
/// Example: `auto a = sample_cpu(); work(); auto b = sample_cpu(); double o = other_cores(a, b);`
struct CpuSample {
  double wall = 0;  ///< steady clock
  double busy = 0;  ///< all CPUs' non-idle time (user, nice, system, irq, softirq, steal)
  double self = 0;  ///< this process's CPU time (every thread)
  bool valid = false;
};

/// The current sample. Example: `CpuSample s = sample_cpu();`
CpuSample sample_cpu();

/// Cores' worth of CPU other processes (and, on a VM, the hypervisor's steal) used between
/// two samples: 1.0 means one other core-bound process. nullopt when either sample is invalid
/// or less than 20 ms apart (the ticks are 10 ms).
/// Example: `if (other_cores(a, b).value_or(0) > 0.5) use_fewer_threads();`
std::optional<double> other_cores(const CpuSample& a, const CpuSample& b);

/// Runnable tasks on the machine right now that are not this process's (from /proc/loadavg
/// and /proc/self/task): an instant estimate for the first decision, before two samples exist.
/// Example: `int busy = other_runnable_tasks();`
int other_runnable_tasks();

}  // namespace fastai
