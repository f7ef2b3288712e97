"""The JVM: Maven, Gradle, sbt, Leiningen, Ant and the JDK's tools."""

from __future__ import annotations

from xops_lens.backends.rules.program import Program, Via, words_list


PROGRAMS: tuple[Program, ...] = (
    Program("mvn", {"*": Via.MVN_TARGETS},
            options=words_list("--activate-profiles --builder --file --global-settings "
                               "--log-file --projects --resume-from --settings --threads "
                               "--toolchains -P -T -am -amd -b -e -f -gs -l -pl -rf -s -t")),
    Program("mvnw", {"*": Via.MVN_TARGETS},
            options=words_list("--activate-profiles --file --projects --resume-from --settings "
                               "--threads -P -T -f -pl -rf -s")),
    Program("gradle", {"*": Via.GRADLE_TARGETS},
            options=words_list("--build-file --console --exclude-task --gradle-user-home "
                               "--init-script --max-workers --project-dir --settings-file -D -I "
                               "-P -b -c -g -p -x")),
    Program("gradlew", {"*": Via.GRADLE_TARGETS},
            options=words_list("--build-file --console --exclude-task --gradle-user-home "
                               "--init-script --max-workers --project-dir --settings-file -I -b "
                               "-c -g -p -x")),
    Program("ant", {"*": Via.MAKE_TARGETS}),
    Program("sbt", {"*": Via.GRADLE_TARGETS}),
    Program("lein", {"*": Via.GRADLE_TARGETS}),
    Program("java", {"-version": "metadata", "--version": "metadata", "*": "unknown"}),
    Program("keytool", {"-genkey": "toolchain", "-genkeypair": "toolchain",
            "-list": "metadata", "-printcert": "metadata", "*": "credentials"}),
    Program("javac", {"*": "build"}),
    Program("jar", {"*": "build"}),
    Program("javadoc", {"*": "generate"}),
    Program("kotlinc", {"*": "build"}),
    Program("jbang", {"*": "unknown"}),
)
