// The paper's collaborative-filtering example on MovieLens "latest-small" (Debian's
// r-cran-dslabs), then fastai's collab tutorial analysis: movies with the lowest and highest
// bias, and the first principal component of the movie factors.
//
//   build/examples/train_collab
#include <algorithm>
#include <iostream>
#include <map>

#include <fastai/collab.h>
#include <fastai/fastai.h>

using namespace fastai;

int main() {
  try {
    set_seed(42);
    const auto path = untar_data(URLs::ML_LATEST_SMALL);
    Table ratings = read_csv(path / "ratings.csv");
    std::cout << ratings.head(5) << "\n";
    auto dls = CollabDataLoaders::from_df(
        ratings, {.user_name = "userId", .item_name = "movieId", .rating_name = "rating", .seed = 42, .bs = 64});
    dls.show_batch({}, {.max_n = 5});
    auto learn = collab_learner(dls, {.n_factors = 50, .y_range = std::pair{0.0, 5.5}, .metrics = {mse}});
    learn.fit_one_cycle(3, 5e-3, {.wd = 0.1});

    // The 1,000 most rated movies, with their titles.
    std::map<std::string, int64_t> count;
    std::map<std::string, std::string> title;
    const auto& ids = ratings["movieId"];
    for (size_t i = 0; i < ratings.n_rows(); ++i) {
      const auto id = format_number(ids.num[i]);
      ++count[id];
      title[id] = ratings["title"].str[i];
    }
    std::vector<std::pair<int64_t, std::string>> by_count;
    const auto& known = collab_classes(dls).at("movieId");
    for (const auto& [id, n] : count)
      if (known.contains(id)) by_count.emplace_back(n, id);
    std::sort(by_count.rbegin(), by_count.rend());
    std::vector<std::string> top;
    for (size_t i = 0; i < std::min<size_t>(1000, by_count.size()); ++i) top.push_back(by_count[i].second);

    auto model = learn.model.as<EmbeddingDotBiasImpl>();
    const auto bias = model->bias(top);
    const auto order = bias.argsort();
    auto show = [&](const char* what, int64_t from, int64_t step) {
      std::cout << what << ":\n";
      for (int64_t k = 0; k < 5; ++k) {
        const auto j = order[from + k * step].item<int64_t>();
        std::cout << "  " << bias[j].item<float>() << "  " << title[top[static_cast<size_t>(j)]] << "\n";
      }
    };
    show("lowest bias (rated low even by users whose tastes match the movie)", 0, 1);
    show("highest bias", order.size(0) - 1, -1);
    const auto pc = pca(model->weight(top), 3).select(1, 0);
    const auto pc_order = pc.argsort();
    std::cout << "first principal component of the movie factors, one end:\n";
    for (int64_t k = 0; k < 5; ++k)
      std::cout << "  " << title[top[static_cast<size_t>(pc_order[k].item<int64_t>())]] << "\n";
    std::cout << "the other end:\n";
    for (int64_t k = 1; k <= 5; ++k)
      std::cout << "  " << title[top[static_cast<size_t>(pc_order[pc_order.size(0) - k].item<int64_t>())]] << "\n";

    Table one = ratings.take({0}).select({"userId", "movieId"});
    auto [row, value, pred] = learn.predict(Tabular(one));
    std::cout << "user " << one["userId"].cell(0) << " would rate '" << title[one["movieId"].cell(0)] << "' "
              << pred.item<float>() << " (they gave " << ratings["rating"].cell(0) << ")\n";
    const auto file = learn.path / learn.model_dir / "collab_export.fai";
    export_learner(learn, file);
    std::cout << "exported to " << file.string() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "train_collab: " << e.what() << "\n";
    return 1;
  }
}
