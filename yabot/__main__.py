from yabot.cli import main

raise SystemExit(main())
