"""Learn, reproduce and explore learned views for contrastive learning: Viewmaker networks and LooC, in notebooks.

Modules:

- `viewexplore.audio`: Spoken words as log-mel spectrograms: WAV files, the Free Spoken Digit Dataset, and the time-domain and SpecAugment views the viewmaker paper compares against.
- `viewexplore.data`: One entry point for every dataset: a name -> loader registry over images, speech and sensors, and your own folders and files of images, WAV recordings or sensor signals.
- `viewexplore.divmaker`: A view generator that is not an adversary: it keeps each view close to its own input in the encoder's space and pushes an input's views apart from each other (Bayrooti, Goodman & Tamkin, 2023). Trained from Python and the command line, on images and sensor data.
- `viewexplore.hard_views`: "Adversarial" by choice instead of by generation: sample several hand-made views of every example and train on the pair the current encoder finds hardest (Ferreira et al., 2023). Learning-free, with no extra network; on images and sensor data.
- `viewexplore.images`: Image datasets as uint8 tensors: a Fashion-MNIST subset shipped with the package, Fashion-MNIST, CIFAR-10, CIFAR-10-Corners and any folder of images.
- `viewexplore.methods`: A method owns its models and says how one batch trains; the trainer runs any of them. The viewmaker paper's two-view method and MoCo / LooC, built from the package's parts.
- `viewexplore.push_apart`: A view-learning method that is in neither paper, in a few lines of parts: a viewmaker that only pushes an image's two views apart, trained from Python and from the command line, and measured against the paper's adversary.
- `viewexplore.sensors`: Activity recognition from body-worn motion sensors: HAPT, PAMAP2 and your own recordings cut into windows, turned into per-channel log spectrograms, split by person, and the spectral-masking views of the viewmaker paper.
- `viewexplore.signals`: The dataset type that speech and wearable sensors share: z-scored spectrograms, labels, who made each example, the raw signals and the transform between them; and SpecAugment, the masking views of both.
- `viewexplore.splits`: Class-stratified subsets and held-out test sets, the same for the same seed: shared by images, speech and sensors."""

__version__ = "0.1.0"
