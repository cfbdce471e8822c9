from assetfake.cli import main

raise SystemExit(main())
