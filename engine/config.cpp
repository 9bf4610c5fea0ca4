#include "config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "disk.h"
#include "document.h"
#include "file_io.h"
#include "paths.h"
#include "suggest.h"
#include "temp_files.h"

namespace pipeline {
namespace {

// Section keys pipe reads. Remote keys follow DVC's names, so
// `pipe remote modify NAME KEY VALUE` reads as it does in DVC.
const std::vector<std::string> kCoreKeys = {"remote"};
const std::vector<std::string> kCacheKeys = {"dir", "type"};
const std::vector<std::string> kLineageKeys = {"env", "code_extensions"};
const std::vector<std::string> kRemoteKeys = {
    "url",  "endpointurl", "region",   "profile",        "access_key_id", "secret_access_key",
    "auth", "user",        "password", "custom_auth_header", "ssl_verify", "jobs",
    "timeout", "connect_timeout", "read_timeout", "addressing_style", "multipart_threshold", "multipart_chunksize",
    "credentialpath", "session_token", "layout"};
// DVC's [parsing] section: how a mapping in `cmd` is unpacked into flags.
const std::vector<std::string> kParsingKeys = {"bool", "list"};
// Where stages run (run.executor), and what Slurm jobs ask for by default.
const std::vector<std::string> kRunKeys = {"executor"};
const std::vector<std::string> kSlurmKeys = {"cpus", "mem", "gpus", "time", "partition", "account", "qos",
                                             "constraint", "sbatch_args", "poll_seconds"};
const std::vector<std::string> kSections = {"core", "cache", "remote", "lineage", "parsing", "run", "slurm"};

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(key.substr(start, dot - start));
  parts.push_back(key.substr(start));
  return parts;
}

const std::vector<std::string>* keys_of(const std::string& section) {
  if (section == "core") return &kCoreKeys;
  if (section == "cache") return &kCacheKeys;
  if (section == "remote") return &kRemoteKeys;
  if (section == "lineage") return &kLineageKeys;
  if (section == "parsing") return &kParsingKeys;
  if (section == "run") return &kRunKeys;
  if (section == "slurm") return &kSlurmKeys;
  return nullptr;
}

// Dotted keys of every known setting, for suggestions.
std::vector<std::string> all_keys() {
  std::vector<std::string> out;
  for (const std::string& k : kCoreKeys) out.push_back("core." + k);
  for (const std::string& k : kCacheKeys) out.push_back("cache." + k);
  for (const std::string& k : kLineageKeys) out.push_back("lineage." + k);
  for (const std::string& k : kParsingKeys) out.push_back("parsing." + k);
  for (const std::string& k : kRunKeys) out.push_back("run." + k);
  for (const std::string& k : kSlurmKeys) out.push_back("slurm." + k);
  for (const std::string& k : kRemoteKeys) out.push_back("remote.NAME." + k);
  return out;
}

void parse_into(const std::string& text, const std::string& shown, std::map<std::string, ConfigValue>* values) {
  const Value root = parse_toml(shown, text);
  auto add = [&](const std::string& key, const Value& v, Mark key_mark) {
    std::string why;
    if (!valid_config_key(key, &why)) fail_pipeline(shown, key_mark, why);
    if (!v.is_scalar() || v.is_null())
      fail_pipeline(shown, v.mark(), "'" + key + "' must be a string, number or boolean, not a " + v.kind_name());
    (*values)[key] = {v.scalar_text(), shown, v.mark()};
  };
  for (size_t i = 0; i < root.entries().size(); ++i) {
    const auto& [section, body] = root.entries()[i];
    if (!body.is_map())
      fail_pipeline(shown, root.key_mark(i),
                    "'" + section + "' must be a section ([" + section + "]) holding keys" +
                        did_you_mean(section, kSections));
    for (size_t j = 0; j < body.entries().size(); ++j) {
      const auto& [name, v] = body.entries()[j];
      if (section != "remote") {
        add(section + "." + name, v, body.key_mark(j));
        continue;
      }
      if (!v.is_map())
        fail_pipeline(shown, body.key_mark(j), "remotes are sections: write [remote." + name + "] and its keys under it");
      for (size_t k = 0; k < v.entries().size(); ++k)
        add("remote." + name + "." + v.entries()[k].first, v.entries()[k].second, v.key_mark(k));
    }
  }
}

void read_into(const std::string& path, const std::string& shown, std::map<std::string, ConfigValue>* values) {
  std::string text;
  if (read_file(path, &text)) parse_into(text, shown, values);
}

}  // namespace

bool valid_config_key(const std::string& key, std::string* why) {
  const std::vector<std::string> parts = split_key(key);
  const std::vector<std::string>* keys = keys_of(parts.front());
  const bool remote = parts.front() == "remote";
  const size_t want = remote ? 3 : 2;
  if (!keys || parts.size() != want || std::any_of(parts.begin(), parts.end(), [](auto& p) { return p.empty(); })) {
    *why = "unknown setting '" + key + "'" + did_you_mean(key, all_keys()) +
           "; settings are section.key (e.g. cache.type) or remote.NAME.key";
    return false;
  }
  const std::string& name = parts.back();
  if (std::find(keys->begin(), keys->end(), name) == keys->end()) {
    std::vector<std::string> candidates;
    for (const std::string& k : *keys) candidates.push_back(k);
    *why = "unknown setting '" + name + "' in section '" + parts.front() + "'" + did_you_mean(name, candidates);
    return false;
  }
  return true;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    const size_t first = item.find_first_not_of(" \t");
    const size_t last = item.find_last_not_of(" \t");
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
    start = comma + 1;
  }
  return out;
}

bool is_secret_config_key(const std::string& key) {
  const std::string name = split_key(key).back();
  return name == "password" || name == "secret_access_key" || name == "custom_auth_header_value" ||
         name == "session_token";
}

Config Config::load(const std::string& state_dir) {
  Config c;
  read_into(state_dir + "/" + kConfigFile, std::string(".pipe/") + kConfigFile, &c.values_);
  read_into(state_dir + "/" + kLocalConfigFile, std::string(".pipe/") + kLocalConfigFile, &c.values_);
  return c;
}

Config Config::load(Disk& disk) {
  Config c;
  for (const char* name : {kConfigFile, kLocalConfigFile}) {
    const std::string shown = std::string(".pipe/") + name;
    std::string text;
    if (disk.stat(shown).is_file() && disk.read(shown, &text)) parse_into(text, shown, &c.values_);
  }
  return c;
}

const ConfigValue* Config::find(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

std::string Config::get(const std::string& key, const std::string& fallback) const {
  const ConfigValue* v = find(key);
  return v ? v->value : fallback;
}

void Config::fail(const std::string& key, const std::string& message) const {
  const ConfigValue* v = find(key);
  if (!v) throw Error(Exit::kBadPipeline, message);
  fail_pipeline(v->file, v->mark, message);
}

bool edit_config(const std::string& path, const std::string& key, const std::string* value) {
  std::string why;
  if (!valid_config_key(key, &why)) throw Error(Exit::kUsage, why);
  std::string text;
  const bool exists = read_file(path, &text);
  const std::string shown = ".pipe/" + path.substr(path.rfind('/') + 1);
  Value root = exists ? parse_toml(shown, text) : Value::map();
  const std::vector<std::string> parts = split_key(key);
  // Walk (creating) the tables down to the key's own table.
  std::vector<Value*> chain{&root};
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    Value* next = chain.back()->find(parts[i]);
    if (!next) {
      if (!value) return false;
      chain.back()->set(parts[i], Value::map());
      next = chain.back()->find(parts[i]);
    }
    if (!next->is_map()) throw Error(Exit::kBadPipeline, shown + ": '" + parts[i] + "' is not a section; fix the file by hand");
    chain.push_back(next);
  }
  Value& table = *chain.back();
  if (value) {
    table.set(parts.back(), Value::string(*value));
  } else {
    auto& entries = table.entries();
    auto it = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.first == parts.back(); });
    if (it == entries.end()) return false;
    entries.erase(it);
    // Drop tables left empty, innermost first, so `remote remove` leaves no trace.
    for (size_t i = chain.size() - 1; i > 0; --i) {
      if (!chain[i]->entries().empty()) break;
      auto& up = chain[i - 1]->entries();
      up.erase(std::find_if(up.begin(), up.end(), [&](const auto& e) { return e.first == parts[i - 1]; }));
    }
  }
  const bool secret_file = path.size() >= 6 && path.compare(path.size() - 6, 6, ".local") == 0;
  FileSystem& fs = real_file_system();
  write_file_atomically(fs, path, render_toml(root), secret_file ? 0600 : 0644,
                        temp_path_for(fs, parent_path(path) + "/tmp", path));
  if (secret_file) fs.chmod(path, 0600);  // an older file may have been wider
  return true;
}

}  // namespace pipeline
