#include "fastai/core/cpu_load.h"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace fastai {

namespace {
// The first line of /proc/stat: "cpu  user nice system idle iowait irq softirq steal …" in
// USER_HZ ticks.
std::optional<double> machine_busy_seconds() {
  std::FILE* f = std::fopen("/proc/stat", "r");
  if (!f) return std::nullopt;
  unsigned long long v[8] = {};
  const int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                            &v[6], &v[7]);
  std::fclose(f);
  if (n < 8) return std::nullopt;
  static const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];  // not idle (3) or iowait (4)
  return static_cast<double>(busy) / hz;
}

// Tasks of this process in state R (running or runnable).
int own_runnable_tasks() {
  DIR* d = ::opendir("/proc/self/task");
  if (!d) return 0;
  int n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    const std::string stat = std::string("/proc/self/task/") + e->d_name + "/stat";
    std::FILE* f = std::fopen(stat.c_str(), "r");
    if (!f) continue;
    char buf[512];
    const size_t got = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[got] = 0;
    // "tid (comm) S …": the state follows the last ')' (comm may hold spaces or parentheses).
    const std::string s(buf);
    const auto close = s.rfind(')');
    if (close != std::string::npos && close + 2 < s.size() && s[close + 2] == 'R') ++n;
  }
  ::closedir(d);
  return n;
}
}  // namespace

CpuSample sample_cpu() {
  CpuSample s;
  s.wall = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  timespec ts{};
  const auto busy = machine_busy_seconds();
  if (!busy || ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return s;
  s.busy = *busy;
  s.self = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  s.valid = true;
  return s;
}

std::optional<double> other_cores(const CpuSample& a, const CpuSample& b) {
  const double dt = b.wall - a.wall;
  if (!a.valid || !b.valid || dt < 0.02) return std::nullopt;
  const double others = ((b.busy - a.busy) - (b.self - a.self)) / dt;
  return others < 0 ? 0.0 : others;  // tick rounding can make it slightly negative
}

int other_runnable_tasks() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (!f) return 0;
  double l1, l5, l15;
  int running = 0, total = 0;
  const int n = std::fscanf(f, "%lf %lf %lf %d/%d", &l1, &l5, &l15, &running, &total);
  std::fclose(f);
  if (n < 5) return 0;
  const int others = running - own_runnable_tasks();
  return others < 0 ? 0 : others;
}

}  // namespace fastai
