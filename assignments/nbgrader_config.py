"""nbgrader configuration of the coursekit course directory (run nbgrader from assignments/)."""

c = get_config()  # noqa: F821  (nbgrader provides get_config)

c.CourseDirectory.course_id = "coursekit"
# Standard layout, relative to this directory: source/, release/, submitted/, autograded/, feedback/.
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Solution regions (### BEGIN SOLUTION / ### END SOLUTION) become this stub in the release.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Test cells call coursekit.grading; hidden parts sit between these markers.
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"

# The longest cell (training an MLP twice in a3) takes about a second; 60 s leaves room on slow machines.
c.Execute.timeout = 60
