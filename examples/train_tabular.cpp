// The paper's tabular example on a real data set shipped by Debian: modeldata's credit_data
// (loan status good/bad, with missing values), and the other tabular sets by name.
//
//   build/examples/train_tabular                 # credit_data
//   build/examples/train_tabular wa_churn
//   build/examples/train_tabular diamonds        # regression on log(price)
//   build/examples/train_tabular wa_churn 7      # another training seed
#include <cmath>
#include <iostream>

#include <fastai/tabular/all.h>

using namespace fastai;

namespace {

struct Recipe {
  std::string file;
  std::vector<std::string> cat_names, cont_names;
  std::string y;
};

Recipe recipe(const std::string& name, Table& df) {
  if (name == URLs::DIAMONDS) {
    // Regression on log(price), as the recipe.
    auto& price = df["price"];
    for (double& v : price.num) v = std::log(v);
    price.type = ColType::Float;
    return {"diamonds.csv", {"cut", "color", "clarity"}, {"carat", "depth", "table", "x", "y", "z"}, "price"};
  }
  if (name == URLs::WA_CHURN) {
    auto [cont, cat] = cont_cat_split(df, 20, "churn");
    return {"wa_churn.csv", cat, cont, "churn"};
  }
  if (name == URLs::CREDIT_G) {
    auto [cont, cat] = cont_cat_split(df, 20, "class");
    return {"credit-g.arff", cat, cont, "class"};
  }
  return {"credit_data.csv",
          {"Home", "Marital", "Records", "Job"},
          {"Seniority", "Time", "Age", "Expenses", "Income", "Assets", "Debt", "Amount", "Price"},
          "Status"};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string name = argc > 1 ? argv[1] : URLs::CREDIT_DATA;
    const uint64_t seed = argc > 2 ? std::stoull(argv[2]) : 42;  // training seed (the split stays seed 42)
    set_seed(seed);
    const auto path = untar_data(name);
    Table df = name == URLs::CREDIT_G ? read_arff(path / "credit-g.arff")
                                      : read_csv(path / (name == URLs::DIAMONDS ? "diamonds.csv" : name + ".csv"));
    const Recipe r = recipe(name, df);
    std::cout << df.head(5) << "\n";
    auto dls = TabularDataLoaders::from_df(df, {.procs = {Categorify(), FillMissing(), Normalize()},
                                                .cat_names = r.cat_names,
                                                .cont_names = r.cont_names,
                                                .y_names = {r.y},
                                                .valid_pct = 0.2,
                                                .seed = 42,
                                                .bs = 64});
    dls.show_batch({}, {.max_n = 5});
    const bool regression = name == URLs::DIAMONDS;
    const auto metric = regression ? MetricSpec(rmse()) : MetricSpec(accuracy);
    auto learn = tabular_learner(dls, {.layers = {200, 100}, .metrics = {metric}});
    learn.fit_one_cycle(3, 1e-2);
    learn.show_results(1, {.max_n = 5});
    auto pred = learn.predict(Tabular(df.take({0})));
    std::cout << "predict(row 0):\n" << pred.decoded.get<Tabular>().to_string() << "\n";
    const auto file = learn.path / learn.model_dir / (name + "_export.fai");
    export_learner(learn, file);
    auto inf = load_learner(file);
    auto again = inf.predict(Tabular(df.take({0})));
    std::cout << "exported to " << file.string()
              << "; reloaded learner predicts the same: " << (at::allclose(again.probs, pred.probs) ? "yes" : "NO")
              << "\n";
  } catch (const std::exception& e) {
    std::cerr << "train_tabular: " << e.what() << "\n";
    return 1;
  }
}
