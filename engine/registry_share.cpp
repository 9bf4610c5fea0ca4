// The model registry through a remote: one pack per push, every unread
// pack on fetch. Packs are never changed or deleted, so two clones pushing
// at once each add their own and neither can lose the other's events.
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "error.h"
#include "file_io.h"
#include "lineage.h"
#include "lineage_remote.h"
#include "object_store.h"
#include "project.h"
#include "record.h"
#include "registry_pack.h"
#include "ssl_digests.h"
#include "transfer.h"
#include "transfer_rounds.h"

namespace pipeline {
namespace {

const std::string kPacks = "lineage/packs/";
// No pack pipe writes comes near this (10,000 events are 5 MB); a remote
// that serves more is not read into memory.
constexpr uint64_t kMaxPackBytes = 256ull << 20;

// The pack names in `remote`'s folder (anything else there, a temp file,
// is not a pack), or false: a warning where the remote cannot list at
// all, a failure where listing went wrong.
bool list_packs(Remote& remote, const char* what, TransferReport& report, std::set<std::string>* names) {
  std::vector<std::string> keys;
  const RemoteResult r = with_retries([&] { return remote.list(kPacks, &keys); });
  if (r.status == RemoteResult::Status::kUnsupported) {
    report.warnings.push_back("the model registry was not " + std::string(what) + ": " + r.error);
    return false;
  }
  if (!r.ok()) {
    ++report.failed;
    report.errors.push_back("the model registry was not " + std::string(what) + ": " + r.error);
    return false;
  }
  for (const std::string& k : keys)
    if (k.rfind(kPacks, 0) == 0 && is_sha256_hex(k.substr(kPacks.size()))) names->insert(k.substr(kPacks.size()));
  return true;
}

std::string describe(const ModelEvent& e) {
  return e.action + " " + e.version + (e.stage.empty() ? "" : (e.action == "approve" ? " for " : " -> ") + e.stage) +
         " by " + e.user + "@" + e.host + " at " + format_time(e.at_ns);
}

// Which models gained events made concurrently with others, in the
// order they now replay in.
void note_merges(LineageStore& store, const std::set<std::string>& imported, TransferReport& report) {
  std::map<std::string, std::vector<const ModelEvent*>> forks;
  std::set<std::string> touched;
  const std::vector<ModelEvent> all = store.events("");
  for (const ModelEvent& e : all)
    if (e.concurrent && imported.count(e.uid)) touched.insert(e.model);
  for (const ModelEvent& e : all)
    if (e.concurrent && touched.count(e.model)) forks[e.model].push_back(&e);
  for (const auto& [model, events] : forks) {
    std::string line = "model " + model + ": merged events made concurrently in other clones, in the registry's "
                                          "order (time, then uid):";
    for (const ModelEvent* e : events) line += "\n  " + describe(*e);
    report.notes.push_back(line);
  }
}

}  // namespace

void push_registry(Project& project, Remote& remote, TransferReport& report) {
  if (!has_lineage_store(project)) return;
  std::set<std::string> on_remote;
  if (!list_packs(remote, "pushed", report, &on_remote)) return;
  LineageStore store(project.state_path(kLineageFile));
  const std::string where = remote.describe();
  // A remote missing a pack this store read or wrote there was emptied or
  // replaced: what the bookkeeping says it holds, it may not; send all.
  for (const std::string& pack : store.packs_read(where))
    if (!on_remote.count(pack)) {
      store.forget_remote(where);
      break;
    }
  const std::vector<std::string> shared = store.shared_with(where);
  const std::set<std::string> known(shared.begin(), shared.end());
  RegistryPack pack;
  std::vector<std::string> uids;
  for (SharedRun& r : store.shared_runs())
    if (!known.count(r.uid)) uids.push_back(r.uid), pack.runs.push_back(std::move(r));
  for (ModelEvent& e : store.events(""))
    if (!known.count(e.uid)) uids.push_back(e.uid), pack.events.push_back(std::move(e));
  if (uids.empty()) return;
  const std::string bytes = write_pack(pack);
  const std::string name = sha256_hex(bytes);
  ObjectStore& cache = *project.cache;
  const std::string tmp = cache.new_temp_path();
  write_file_atomically(cache.file_system(), tmp, bytes, 0644, tmp + ".w");
  const RemoteResult r = with_retries([&] { return remote.put(kPacks + name, tmp); });
  cache.file_system().unlink(tmp);
  if (!r.ok()) {
    ++report.failed;
    report.errors.push_back(kPacks + name + ": " + r.error);
    return;
  }
  store.mark_shared(where, {name}, uids);
  report.records_shared += uids.size();
}

void fetch_registry(Project& project, Remote& remote, size_t jobs, TransferReport& report) {
  std::set<std::string> listed;
  if (!list_packs(remote, "fetched", report, &listed) || listed.empty()) return;
  LineageStore store(project.state_path(kLineageFile));
  const std::string where = remote.describe();
  for (const std::string& done : store.packs_read(where)) listed.erase(done);
  std::vector<std::string> names(listed.begin(), listed.end());
  if (names.empty()) return;

  ObjectStore& cache = *project.cache;
  std::vector<std::string> temps;
  for (size_t i = 0; i < names.size(); ++i) temps.push_back(cache.new_temp_path());
  std::vector<RemoteResult> results(names.size());
  transfer_with_retries(
      remote, names.size(), jobs, [&](size_t i) { return TransferItem{false, kPacks + names[i], temps[i]}; }, {},
      [&](size_t i, const RemoteResult& r) { results[i] = r; });

  std::vector<ModelEvent> events;
  std::map<std::string, std::vector<std::string>> pack_uids;  // good packs only
  std::vector<std::string> clashes;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string bytes, why;
    RegistryPack pack;
    if (!results[i].ok()) {
      why = results[i].error;
    } else if (file_size(*project.files, temps[i]) > kMaxPackBytes) {
      why = "it is larger than any pack pipe writes (" + std::to_string(kMaxPackBytes >> 20) + " MiB)";
    } else if (!read_file(*project.files, temps[i], &bytes)) {
      why = "cannot read '" + temps[i] + "': " + std::strerror(errno);
    } else if (read_pack(names[i], bytes, &pack, &why)) {
      // Its runs in a transaction of their own: one this pipe cannot read
      // (a newer schema) costs this pack, not the whole fetch.
      try {
        report.runs_imported += store.import_runs(pack.runs, &clashes);
        std::vector<std::string>& uids = pack_uids[names[i]];
        for (SharedRun& r : pack.runs) uids.push_back(r.uid);
        for (ModelEvent& e : pack.events) uids.push_back(e.uid), events.push_back(std::move(e));
      } catch (const Error& e) {
        why = e.what();
      }
    }
    project.files->unlink(temps[i]);
    if (!why.empty()) {
      ++report.failed;
      report.errors.push_back(kPacks + names[i] + ": " + why +
                              "; not imported (if it stays so, remove it from the remote: the clone that pushed "
                              "it sends its records again on its next push)");
    }
  }
  for (std::string& c : clashes) report.warnings.push_back(std::move(c));

  // An event is imported only with every predecessor: one whose parent no
  // pack read so far holds waits (its pack stays unread) for a later fetch.
  std::set<std::string> present;
  for (const ModelEvent& e : store.events("")) present.insert(e.uid);
  for (const ModelEvent& e : events) present.insert(e.uid);
  std::set<std::string> missing;
  for (bool changed = true; changed;) {
    changed = false;
    for (const ModelEvent& e : events) {
      if (missing.count(e.uid)) continue;
      for (const std::string& p : e.parents)
        if (!present.count(p) || missing.count(p)) {
          missing.insert(e.uid);
          changed = true;
          break;
        }
    }
  }
  std::vector<ModelEvent> complete;
  std::set<std::string> imported;
  for (ModelEvent& e : events)
    if (!missing.count(e.uid) && !store.has_event(e.uid)) imported.insert(e.uid), complete.push_back(std::move(e));
  // The order trusts clocks: an event dated in the future would win every
  // merge until then. It is kept (it is what was shared) and pointed out.
  const int64_t tomorrow = now_ns() + 86'400'000'000'000LL;
  for (const ModelEvent& e : complete)
    if (e.at_ns > tomorrow)
      report.warnings.push_back("model event " + e.uid.substr(0, 12) + " (" + describe(e) +
                                ") is dated in the future: its maker's clock is wrong, or it was forged");
  report.events_imported += store.import_events(complete);
  if (!missing.empty())
    report.warnings.push_back(std::to_string(missing.size()) +
                              " model events name predecessors no pack on " + where +
                              " holds yet; left out until a later fetch finds them");
  std::vector<std::string> whole_packs, uids_read;
  for (const auto& [name, uids] : pack_uids) {
    bool whole = true;
    for (const std::string& u : uids) whole = whole && !missing.count(u);
    if (!whole) continue;
    whole_packs.push_back(name);
    uids_read.insert(uids_read.end(), uids.begin(), uids.end());
  }
  store.mark_shared(where, whole_packs, uids_read);
  if (!imported.empty()) note_merges(store, imported, report);
}

}  // namespace pipeline
