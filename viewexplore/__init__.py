"""Learn, reproduce and explore learned views for contrastive learning: Viewmaker networks and LooC, in notebooks.

Modules:

- `viewexplore.audio`: Spoken words as log-mel spectrograms: WAV files, the Free Spoken Digit Dataset, and the time-domain and SpecAugment views the viewmaker paper compares against.
- `viewexplore.corruptions`: Does a representation survive noise, blur, weather and compression? CIFAR-10-C style corruptions of any image, and the accuracy under each.
- `viewexplore.data`: One entry point for every dataset: a name -> loader registry over images, speech and sensors, and your own folders and files of images, WAV recordings or sensor signals.
- `viewexplore.divmaker`: A view generator that is not an adversary: it keeps each view close to its own input in the encoder's space and pushes an input's views apart from each other (Bayrooti, Goodman & Tamkin, 2023). Trained from Python and the command line, on images and sensor data.
- `viewexplore.evaluations`: `viewexplore.evaluations`: every evaluation beyond the linear probe and kNN, importable from one place as before they had a lesson each.
- `viewexplore.examples`: Small trained runs shipped with the package, so that the exploration lessons and the embedding map open one in seconds.
- `viewexplore.few_shot`: How good is a representation with 1, 5 or 10 labels per class? Support sets, two classifiers, and Student-t confidence intervals.
- `viewexplore.hard_views`: "Adversarial" by choice instead of by generation: sample several hand-made views of every example and train on the pair the current encoder finds hardest (Ferreira et al., 2023). Learning-free, with no extra network; on images and sensor data.
- `viewexplore.head_contributions`: Which embedding space does a classifier on LooC++ features rely on? Each head's share of the decision, its histogram and entropy (the LooC paper's Figure 4).
- `viewexplore.images`: Image datasets as uint8 tensors: a Fashion-MNIST subset shipped with the package, Fashion-MNIST, CIFAR-10, CIFAR-10-Corners and any folder of images.
- `viewexplore.methods`: A method owns its models and says how one batch trains; the trainer runs any of them. The viewmaker paper's two-view method and MoCo / LooC, built from the package's parts.
- `viewexplore.push_apart`: A view-learning method that is in neither paper, in a few lines of parts: a viewmaker that only pushes an image's two views apart, trained from Python and from the command line, and measured against the paper's adversary.
- `viewexplore.retrieval`: What does a representation consider similar? A query's nearest neighbours in a gallery, as the LooC paper's Figure 3 shows them.
- `viewexplore.sensors`: Activity recognition from body-worn motion sensors: HAPT, PAMAP2 and your own recordings cut into windows, turned into per-channel log spectrograms, split by person, and the spectral-masking views of the viewmaker paper.
- `viewexplore.signals`: The dataset type that speech and wearable sensors share: z-scored spectrograms, labels, who made each example, the raw signals and the transform between them; and SpecAugment, the masking views of both.
- `viewexplore.splits`: Class-stratified subsets and held-out test sets, the same for the same seed: shared by images, speech and sensors.
- `viewexplore.storage`: Where data and caches live on disk, archives extracted once, and the one atomic write that every file viewexplore writes goes through.
- `viewexplore.task_probes`: Does a representation still know which way is up, and what colour things are? The LooC paper's probes for what an augmentation erased.
- `viewexplore.train`: One thin trainer for every method: the loop, precision, channels-last, compilation, progress, the non-finite-loss stop, signals, crash-safe checkpoints with exact resume, and data-parallel training on torchrun.
- `viewexplore.widgets.embedding_map`: A 2-D map of a representation of the test set, coloured by class or by a probe's task; hover a point to see its image, click it for its views and its nearest neighbours in the full space; two representations side by side, with linked selection; and a run's snapshots played as an aligned animation with a time slider, the points whose neighbours changed most highlighted.
- `viewexplore.widgets.live`: Watch the encoder and the viewmaker play: train step by step in the notebook, or one player's turn at a time with what each turn changed; see where the viewmaker will push next; change the distortion budget while it runs, compare with Gaussian noise at the same budget, and save the run for the other widgets and the command line."""

__version__ = "0.1.0"
