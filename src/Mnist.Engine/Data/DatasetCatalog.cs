namespace Mnist.Engine.Data;

/// <summary>
/// The datasets this project knows how to fetch and verify. Sizes and .gz SHA-256 values are those of
/// the official distributions; content SHA-256 values are of the decompressed IDX files.
/// </summary>
public static class DatasetCatalog
{
    /// <summary>Yann LeCun, Corinna Cortes and Christopher Burges' handwritten digits (CC BY-SA 3.0).</summary>
    public static DatasetInfo Mnist { get; } = new(
        "mnist",
        "MNIST",
        [
            new("train-images-idx3-ubyte", IdxKind.Images, MnistSplit.Train, 60_000, 9_912_422,
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
            new("train-labels-idx1-ubyte", IdxKind.Labels, MnistSplit.Train, 60_000, 28_881,
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
            new("t10k-images-idx3-ubyte", IdxKind.Images, MnistSplit.Test, 10_000, 1_648_877,
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
            new("t10k-labels-idx1-ubyte", IdxKind.Labels, MnistSplit.Test, 10_000, 4_542,
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
        ],
        [
            new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
            new Uri("https://storage.googleapis.com/cvdf-datasets/mnist/"),
            new Uri("http://yann.lecun.com/exdb/mnist/"),
        ],
        EnvironmentVariable: "MNIST_DATA",
        SystemFolder: null,
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);

    /// <summary>Zalando Research's Fashion-MNIST, a drop-in replacement with clothing images (MIT).</summary>
    public static DatasetInfo FashionMnist { get; } = new(
        "fashion",
        "Fashion-MNIST",
        [
            new("train-images-idx3-ubyte", IdxKind.Images, MnistSplit.Train, 60_000, 26_421_880,
                "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
            new("train-labels-idx1-ubyte", IdxKind.Labels, MnistSplit.Train, 60_000, 29_515,
                "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
            new("t10k-images-idx3-ubyte", IdxKind.Images, MnistSplit.Test, 10_000, 4_422_102,
                "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
            new("t10k-labels-idx1-ubyte", IdxKind.Labels, MnistSplit.Test, 10_000, 5_148,
                "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        ],
        [
            new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
            new Uri("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
        ],
        EnvironmentVariable: "FASHION_MNIST_DATA",
        SystemFolder: "/usr/share/datasets/fashion-mnist",
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]);

    /// <summary>All catalogued datasets.</summary>
    public static IReadOnlyList<DatasetInfo> All { get; } = [Mnist, FashionMnist];

    /// <summary>Finds a dataset by id (case-insensitive; "fashion-mnist" is accepted for "fashion").</summary>
    public static bool TryGet(string id, out DatasetInfo dataset)
    {
        ArgumentNullException.ThrowIfNull(id);
        string key = id.Trim().ToLowerInvariant();
        if (key is "fashion-mnist" or "fashion_mnist" or "fashionmnist") key = "fashion";
        dataset = All.FirstOrDefault(d => d.Id == key)!;
        return dataset is not null;
    }

    /// <summary>Finds a dataset by id.</summary>
    /// <exception cref="ArgumentException">Unknown id; the message lists the known ones.</exception>
    public static DatasetInfo Get(string id) =>
        TryGet(id, out var d) ? d
            : throw new ArgumentException($"Unknown dataset '{id}'. Known: {string.Join(", ", All.Select(x => x.Id))}.", nameof(id));
}
