// Model versions: the `models:` section of pipe.yaml (DVC's `artifacts:`
// has the same meaning), and semantic version numbers derived from what
// changed in a model's upstream lineage since its previous version.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "approvals.h"
#include "error.h"
#include "gates.h"
#include "lineage.h"

namespace pipeline {

struct Pipeline;
struct LockFile;
class Graph;

struct ModelDef {
  std::string name;
  std::string path;                       // project-relative, an output of some stage
  std::string desc;
  std::vector<std::string> architecture;  // deps whose change makes a MAJOR version
  std::vector<std::string> signature;     // files declaring the model's interface: MAJOR too
  // Which bump each kind of change makes: architecture, data, params, code, environment.
  std::map<std::string, std::string> rules;
  std::vector<StageGates> gates;  // per promotion stage, in pipe.yaml's order
  std::vector<ApprovalPolicy> approvals;  // per promotion stage
  Mark mark;
};

// Parses `models:` and `artifacts:` of a loaded pipeline. Throws
// Error(kBadPipeline) located at the fault (unknown key, a path that is no
// stage's output, a bad rule).
std::vector<ModelDef> parse_models(const Pipeline& p);

// Source files count as code, everything else as data.
inline constexpr const char* kDefaultCodeExtensions = ".py,.R,.r,.sh,.bash,.cpp,.cc,.c,.h,.hpp,.java,.scala,.jl,.js,.ts,.go,.rs,.sql,.ipynb";
bool is_code_path(const std::string& path, const std::string& extensions);

// The model's upstream lineage as canonical JSON: every dep of its stage and
// of that stage's upstream stages (split into architecture, code and data),
// their params, and the environment digest.
std::string model_basis(const ModelDef& m, const Pipeline& p, const Graph& g, const LockFile& lock,
                        const std::string& environment_digest, const std::string& code_extensions);

// The next version after `previous` (null: the first, 1.0.0) for a model
// whose basis is `basis`; fills bump, reason and the numbers.
void next_version(const ModelDef& m, const ModelVersion* previous, const std::string& basis, ModelVersion* out);

// Parses "clf@1.2.0" or "clf" (version empty).
void split_model_ref(const std::string& ref, std::string* name, std::string* version);

}  // namespace pipeline
