"""Reading a user's table as it is: labels as written, several label columns, column names,
features by name, the task chosen with its reason, and the split that goes with the task."""

from __future__ import annotations

import numpy as np
import pytest

from ffnn.datasets import DatasetError, choose_task, csv_header, load_csv, load_split, read_csv_table
from ffnn.datasets.task import MAX_AUTO_CLASSES


def _csv(tmp_path, text: str, name: str = "t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------- read_csv_table
def test_text_labels_stay_text_and_names_are_kept(tmp_path):
    p = _csv(tmp_path, "sepal,petal,species\n1,2,setosa\n3,4,virginica\n5,6,setosa\n")
    table = read_csv_table(p, label="species")
    assert table.y.tolist() == ["setosa", "virginica", "setosa"] and table.text_labels
    assert table.feature_names == ["sepal", "petal"] and table.label_names == ["species"]
    np.testing.assert_array_equal(load_csv(p, label="species")[1], [0, 1, 0])  # load_csv still numbers them


def test_whole_numbers_stay_as_written(tmp_path):
    p = _csv(tmp_path, "a,target\n0.5,1\n0.1,3\n0.2,2\n")
    table = read_csv_table(p, label="target")
    assert table.y.dtype == np.int64 and table.y.tolist() == [1, 3, 2]
    p = _csv(tmp_path, "a,target\n0.5,151.0\n0.1,75.0\n", "f.csv")
    assert read_csv_table(p, label="target").y.tolist() == [151, 75]


def test_several_label_columns_are_numeric_targets(tmp_path):
    p = _csv(tmp_path, "x,a,b\n1,2,3.5\n4,5,6.5\n")
    table = read_csv_table(p, label=["a", "b"])
    assert table.y.shape == (2, 2) and table.y.dtype == np.float64 and table.feature_names == ["x"]
    assert table.label_names == ["a", "b"]
    p = _csv(tmp_path, "x,a,b\n1,2,no\n4,5,yes\n", "text.csv")
    with pytest.raises(DatasetError, match="label column 'b' holds text; several label columns"):
        read_csv_table(p, label=["a", "b"])
    with pytest.raises(DatasetError, match="named twice"):
        read_csv_table(p, label=["a", 1])


def test_no_header_means_no_names(tmp_path):
    table = read_csv_table(_csv(tmp_path, "1,2,0\n3,4,1\n"))
    assert table.feature_names is None and table.label_names is None and table.y.tolist() == [0, 1]


def test_features_by_name_in_any_order_others_ignored(tmp_path):
    p = _csv(tmp_path, "id,b,a,label\nx1,2,1,yes\nx2,4,3,no\n")  # 'id' is text: ignored, never parsed
    table = read_csv_table(p, label="label", features=["a", "b"])
    np.testing.assert_array_equal(table.X, [[1, 2], [3, 4]])
    assert table.feature_names == ["a", "b"] and table.y.tolist() == ["yes", "no"]
    with pytest.raises(DatasetError, match=r"no column\(s\) \['c'\]"):
        read_csv_table(p, label="label", features=["a", "c"])
    with pytest.raises(DatasetError, match="named as labels and as features"):
        read_csv_table(p, label="a", features=["a", "b"])
    assert csv_header(p) == ["id", "b", "a", "label"] and csv_header(_csv(tmp_path, "1,2\n", "n.csv")) is None


# ------------------------------------------------------------------------------- choose_task
@pytest.mark.parametrize("y,task,reason", [
    (np.array(["a", "b", "a"]), "classify", "labels are text: a, b"),
    (np.array([True, False]), "classify", "labels are true/false"),
    (np.array([1, 2, 3] * 5), "classify", "3 distinct whole-number labels: 1, 2, 3"),
    (np.arange(MAX_AUTO_CLASSES), "classify", f"{MAX_AUTO_CLASSES} distinct whole-number labels"),
    (np.arange(MAX_AUTO_CLASSES + 1) * 1.0, "regress", f"{MAX_AUTO_CLASSES + 1} distinct whole numbers, more than 20"),
    (np.array([0.5, 1.0, 2.0]), "regress", "labels have fractions, e.g. 0.5"),
    (np.zeros((5, 2)), "regress", "2 label columns"),
])
def test_the_task_and_its_reason(y, task, reason):
    choice = choose_task(y)
    assert choice.task == task and reason in choice.reason
    assert choice.describe().startswith("task: classification (" if task == "classify" else "task: regression (")


def test_the_task_can_be_forced_within_reason():
    assert choose_task(np.arange(300.0), "classify").task == "classify"
    assert choose_task(np.array([1, 2]), "regress").task == "regress"
    with pytest.raises(ValueError, match="regression needs numbers"):
        choose_task(np.array(["a", "b"]), "regress")
    with pytest.raises(ValueError, match="can only be regression targets"):
        choose_task(np.zeros((3, 2)), "classify")
    with pytest.raises(ValueError, match="task must be one of classify, regress"):
        choose_task(np.array([1, 2]), "cluster")


# ------------------------------------------------------------------------------- load_split
def test_classes_are_split_stratified_whatever_their_type(tmp_path):
    rows = "".join(f"{i},{['cat', 'dog', 'eel'][i % 3]}\n" for i in range(30))
    data = load_split(_csv(tmp_path, "x,animal\n" + rows), label="animal")
    assert data.task.task == "classify" and data.images is False
    assert sorted(data.y_test.tolist()) == ["cat", "cat", "dog", "dog", "eel", "eel"]
    assert data.classes.tolist() == ["cat", "dog", "eel"] and data.feature_names == ["x"]
    again = load_split(_csv(tmp_path, "x,animal\n" + rows), label="animal")
    np.testing.assert_array_equal(again.X_test, data.X_test)  # the same seed, the same rows


def test_a_quantity_is_split_at_random_as_floats(tmp_path):
    rows = "".join(f"{i},{100 + 3 * i}.0\n" for i in range(50))
    data = load_split(_csv(tmp_path, "x,y\n" + rows), label="y")
    assert data.task.task == "regress" and data.y_train.dtype == np.float64 and data.classes is None
    assert len(data.y_test) == 10


def test_fractional_labels_forced_to_classes_become_text(tmp_path):
    rows = "".join(f"{i},{i % 2 + 0.5}\n" for i in range(20))
    data = load_split(_csv(tmp_path, "x,y\n" + rows), label="y", task="classify")
    assert data.classes.tolist() == ["0.5", "1.5"]


def test_named_image_data_are_images(tmp_path):
    data = load_split("mnist")
    assert data.images is True and data.task.task == "classify" and data.feature_names is None


# ---------------------------------------------------------------- missing cells
MISSING_TABLE = "a,b,label\n1,2,x\n3,,y\n5,6,NA\n7,8,y\nnan,10,x\n11,12,y\n13,?,x\n15,16,x\n17,N/A,y\n19,20,\n"


def test_missing_cells_are_refused_by_default_with_the_way_out(tmp_path):
    p = _csv(tmp_path, MISSING_TABLE)
    with pytest.raises(DatasetError, match=r"line 3, column b: empty cell \(missing values: pass missing='drop'"):
        read_csv_table(p, label="label")
    with pytest.raises(DatasetError, match=r"line 3, column b: '\?' is not a number \(missing values"):
        read_csv_table(_csv(tmp_path, "a,b,label\n1,2,x\n13,?,x\n", "q.csv"), label="label")
    with pytest.raises(ValueError, match="missing must be one of"):
        read_csv_table(p, label="label", missing="impute")


def test_missing_drop_leaves_out_every_row_with_a_missing_cell_and_counts_them(tmp_path):
    p = _csv(tmp_path, MISSING_TABLE)
    table = read_csv_table(p, label="label", missing="drop")
    # kept: lines 2 (1,2,x), 5 (7,8,y), 7 (11,12,y), 9 (15,16,x); the other six have an empty,
    # NA, nan, ?, N/A or missing-label cell
    np.testing.assert_array_equal(table.X, np.array([[1, 2], [7, 8], [11, 12], [15, 16]], np.float32))
    np.testing.assert_array_equal(table.y, ["x", "y", "y", "x"])
    assert table.dropped_rows == 6
    X, y = load_csv(p, label="label", missing="drop")
    np.testing.assert_array_equal(X, table.X)
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    # only the columns read count: choosing feature "a" alone keeps the rows whose b is missing
    only_a = read_csv_table(p, label="label", features=["a"], missing="drop")
    assert only_a.dropped_rows == 3 and len(only_a.X) == 7
    with pytest.raises(DatasetError, match="every one of its 2 data rows has a missing cell"):
        read_csv_table(_csv(tmp_path, "a,b\n1,\n,2\n", "all.csv"), label="b", missing="drop")


def test_load_split_drops_and_reports(tmp_path):
    rows = "".join(f"{i},{i % 3},{'c' if i % 2 else 'd'}\n" for i in range(40))
    p = _csv(tmp_path, "a,b,label\n" + rows + "1,,c\n2,NA,d\n")
    data = load_split(p, label="label", missing="drop")
    assert data.dropped_rows == 2 and len(data.y_train) + len(data.y_test) == 40
